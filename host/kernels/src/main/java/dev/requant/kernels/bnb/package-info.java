/**
 * Kernels API: bitsandbytes' NF4/FP4 code tables, dequantization and quantization. Obtain the
 * implementations from {@link dev.requant.kernels.Kernels#bnb()} and
 * {@link dev.requant.kernels.Kernels#bnbEncode()}; versioned with the spi (see
 * {@link dev.requant.kernels}).
 */
package dev.requant.kernels.bnb;
