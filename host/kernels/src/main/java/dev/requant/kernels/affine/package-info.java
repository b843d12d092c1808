/**
 * Kernels API: integer codes packed in words or bit streams and their group-wise affine maps
 * (MLX, neural-compressor, GPTQ-style layouts), and MLX's affine quantization. Obtain the
 * implementations from {@link dev.requant.kernels.Kernels#affine()} and
 * {@link dev.requant.kernels.Kernels#affineQuant()}; versioned with the spi (see
 * {@link dev.requant.kernels}).
 */
package dev.requant.kernels.affine;
