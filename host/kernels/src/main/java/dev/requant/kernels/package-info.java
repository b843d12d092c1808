/**
 * The kernels API: what a plugin may call in {@code requant-kernels}, beside the spi.
 *
 * <p>The API is this package and {@link dev.requant.kernels.affine affine},
 * {@link dev.requant.kernels.bnb bnb}, {@link dev.requant.kernels.ggml ggml} and
 * {@link dev.requant.kernels.intpack intpack}. Here: {@link dev.requant.kernels.Kernels}, the
 * facade that hands out the implementation in use (Vector API or scalar reference, chosen once,
 * identical bits), {@link dev.requant.kernels.ElementKernels} (element type conversions),
 * {@link dev.requant.kernels.Fp} (scalar float conversions) and {@link dev.requant.kernels.Layouts}
 * (little-endian value layouts).
 *
 * <p>Everything under {@code dev.requant.kernels.internal} is not API: the scalar references, the
 * Vector API twins and their helpers. A plugin that imports them fails to build (the
 * restrict-imports rule of {@code plugins/pom.xml}).
 *
 * <p>Compatibility: the kernels API and the spi are one plugin API with one semantic version,
 * {@code dev.requant.spi.Spi.VERSION}, which a plugin names in {@code Plugin-Requires}.
 */
package dev.requant.kernels;
