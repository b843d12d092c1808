/**
 * Kernels API: integer codes packed in 32-bit words (GPTQ, AWQ, compressed-tensors): where fields
 * sit ({@link dev.requant.kernels.intpack.IntPacking}), reading words
 * ({@link dev.requant.kernels.intpack.Words}) and unpacking with zero points and group scales,
 * obtained from {@link dev.requant.kernels.Kernels#intPack()}; versioned with the spi (see
 * {@link dev.requant.kernels}).
 */
package dev.requant.kernels.intpack;
