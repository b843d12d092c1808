package dev.requant.kernels.affine;

import java.lang.foreign.MemorySegment;

/**
 * MLX's affine quantization ({@code mx.quantize}, mode "affine"), as its GPU kernel computes it in
 * f32, so that codes, scales and biases are mlx's for the same f32 input. Per group of
 * {@code groupSize} values of a row, with {@code n = 2^bits - 1}:
 * <pre>
 *   min = min(values), max = max(0, max(values))          (mlx starts its max at 0)
 *   scale = max((max - min) / n, 1e-7); edge = |min| > |max| ? min : max
 *   scale = edge == min ? scale : -scale;  q0 = round(edge / scale)
 *   q0 != 0: scale = edge / q0, bias = edge;   else bias = 0
 *   q = min(round((x - bias) / scale), n)
 * </pre>
 * {@code round} is half away from zero (Metal's). Codes come from the f32 scale and bias; the
 * caller stores those rounded to the model's type, as mlx does. A NaN in a group makes its scale
 * and bias NaN and its codes 0. Codes are packed as a little-endian bit stream per row (value
 * {@code j} at bits {@code [j*bits, (j+1)*bits)}), which is mlx's layout for every width.
 */
public interface AffineQuantKernels {
    /**
     * Quantizes {@code rows} rows of {@code rowLength} values ({@code rowLength} a multiple of
     * {@code groupSize}, {@code rowLength * bits} of 8): packed codes from {@code packedOffset} on,
     * {@code rowLength * bits / 8} bytes a row; the groups' f32 scales and biases from
     * {@code groupOffset} on.
     */
    void quantizeRows(float[] src, int offset, int rows, int rowLength, int groupSize, int bits,
                      MemorySegment packed, long packedOffset, float[] scales, float[] biases, int groupOffset);
}
