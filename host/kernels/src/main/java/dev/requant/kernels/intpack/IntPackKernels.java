package dev.requant.kernels.intpack;

import java.lang.foreign.MemorySegment;

/**
 * Integer codes packed in 32-bit words (GPTQ, AWQ, compressed-tensors, ...) to f32: unpacking and
 * the zero-point and group-scale arithmetic. Every value is computed as
 * {@code (float) (code - zero) * scale} in f32, the order the upstream dequantizers use, so that
 * results equal theirs bit for bit. The scalar reference and the Vector API twin give identical
 * bits.
 */
public interface IntPackKernels {
    /**
     * {@code codes[codesOffset + i]} = field {@code first + i} of {@code words}, for
     * {@code i < count}.
     */
    void unpack(IntPacking packing, int[] words, int first, int count, int[] codes, int codesOffset);

    /**
     * Spreads the fields of each word over rows: field {@code f} of {@code words[k]} goes to
     * {@code codes[codesOffset + order[f] * stride + k]}, for {@code k < count}. This is how a
     * packing along the other axis is read (AWQ GEMM packs 8 output rows per word, in the order
     * given by {@code order}). Fields are word-aligned; {@code order} has one entry per field.
     */
    void unpackAcross(int bits, int[] words, int count, int[] order, int[] codes, int codesOffset, int stride);

    /**
     * {@code dst[dstOffset + i] = (float) (codes[codesOffset + i] - zeros[g]) * scales[g]} with
     * {@code g = i / groupSize}: consecutive groups.
     */
    void dequantGroups(int[] codes, int codesOffset, int count, int groupSize, int[] zeros, float[] scales,
                       float[] dst, int dstOffset);

    /**
     * As {@link #dequantGroups}, with the group of value {@code i} given by
     * {@code groups[groupsOffset + i]} (GPTQ's {@code g_idx}: act-order scatters groups).
     *
     * @throws IndexOutOfBoundsException when a group index is outside {@code zeros} or {@code scales}
     */
    void dequantIndexed(int[] codes, int codesOffset, int count, int[] groups, int groupsOffset, int[] zeros,
                        float[] scales, float[] dst, int dstOffset);

    /** {@code codes[codesOffset + i]} = signed byte {@code i} of {@code src} from {@code srcOffset}. */
    void widenI8(MemorySegment src, long srcOffset, int[] codes, int codesOffset, int count);
}
