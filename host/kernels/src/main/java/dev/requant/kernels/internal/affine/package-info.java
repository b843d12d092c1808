/**
 * Not API: the scalar references and Vector API twins of the affine kernels, handed out by
 * {@link dev.requant.kernels.Kernels}. Plugins must not use them (see
 * {@link dev.requant.kernels.internal}).
 */
package dev.requant.kernels.internal.affine;
