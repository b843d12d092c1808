package dev.requant.kernels.affine;

import java.lang.foreign.MemorySegment;

/**
 * Integer codes packed into little-endian words, and the group-wise affine maps that turn codes
 * into f32: the building blocks of MLX, neural-compressor and GPTQ-style checkpoints.
 *
 * <p>Packing comes in two kinds. A <em>bit stream</em> (MLX) lays value {@code j} at bits
 * {@code [j*bits, (j+1)*bits)} of the stream, values crossing byte and word boundaries. Packed
 * <em>words</em> (neural-compressor) hold {@code wordBits / bits} values each, from the lowest bits
 * up, and leave the top {@code wordBits % bits} bits unused: no value crosses a word. Codes come
 * out unsigned, or as two's complement sign-extended when {@code signed}.
 *
 * <p>The affine maps compute in f32 in a fixed order, so that every implementation gives the same
 * bits: {@code scale * q + bias} (two roundings, no fused multiply-add) and {@code (q - zero) * scale}
 * with the difference taken in integers.
 */
public interface AffineKernels {
    /**
     * Values {@code [0, count)} of the bit stream that starts at {@code offset}, each {@code bits}
     * wide (1 to 8), unsigned.
     */
    void unpackStream(MemorySegment src, long offset, int bits, int[] dst, int dstOffset, int count);

    /**
     * Values {@code [0, count)} of the packed words that start at {@code offset}: words of
     * {@code wordBytes} bytes (1, 2, 4 or 8), each holding {@code 8 * wordBytes / bits} values of
     * {@code bits} bits (1 to 8). The last word may be used in part.
     */
    void unpackWords(MemorySegment src, long offset, int wordBytes, int bits, boolean signed,
                     int[] dst, int dstOffset, int count);

    /**
     * The field at bits {@code [shift, shift + bits)} of {@code count} consecutive words: one value
     * of each word, as when values are packed across rows.
     */
    void extractField(MemorySegment src, long offset, int wordBytes, int shift, int bits, boolean signed,
                      int[] dst, int dstOffset, int count);

    /**
     * {@code dst[i] = scales[g] * q[i] + biases[g]} with {@code g = groupOffset + i / groupSize}: the
     * product rounded to f32, then the sum (MLX's dequantization). A NaN result is the canonical
     * quiet NaN: when scale and bias are both NaN, which payload x86 passes on depends on the order
     * of the operands, and the JIT may swap them.
     */
    void scaleBias(int[] q, int qOffset, float[] scales, float[] biases, int groupOffset, int groupSize,
                   float[] dst, int dstOffset, int count);

    /**
     * {@code dst[i] = (q[i] - zeros[g]) * scales[g]} with {@code g = groupOffset + i / groupSize};
     * a group size of 1 pairs every code with its own zero and scale.
     */
    void zeroScale(int[] q, int qOffset, int[] zeros, float[] scales, int groupOffset, int groupSize,
                   float[] dst, int dstOffset, int count);

    /**
     * {@code dst[i] = (q[i] - zeros[g]) * scales[g]} with {@code g = groups[groupsOffset + i]}: groups
     * given per value, as act-order checkpoints scatter them.
     */
    void zeroScaleGather(int[] q, int qOffset, int[] zeros, float[] scales, int[] groups, int groupsOffset,
                         float[] dst, int dstOffset, int count);
}
