/**
 * Kernels API: every ggml tensor type ({@link dev.requant.kernels.ggml.GgmlType}) and the codec of
 * a block type ({@link dev.requant.kernels.ggml.BlockCodec}), obtained from
 * {@link dev.requant.kernels.Kernels#ggml(dev.requant.kernels.ggml.GgmlType)}; versioned with the spi (see
 * {@link dev.requant.kernels}).
 */
package dev.requant.kernels.ggml;
