/**
 * Not API: the implementations behind {@link dev.requant.kernels.Kernels}, for the host, the
 * kernels' own tests and the benchmarks. Each kernel has a scalar reference ({@code Scalar*}) and
 * a Vector API twin ({@code Vector*}) that gives identical bits.
 *
 * <p>This package and its subpackages change without notice. Plugins must not use them:
 * {@code plugins/pom.xml} fails the build of a plugin that imports them. A plugin gets the
 * implementation in use from {@link dev.requant.kernels.Kernels}.
 */
package dev.requant.kernels.internal;
