package dev.requant.kernels.bnb;

import java.lang.foreign.MemorySegment;

/**
 * Dequantization of bitsandbytes weights, exactly as bitsandbytes computes it in f32 (its CUDA
 * kernels and its reference backend agree), before its final cast to the model's dtype.
 *
 * <ul>
 *   <li>4-bit (NF4, FP4): value {@code i} of the flattened tensor is
 *       {@code code[nibble(i)] * absmax[i / blockSize]}; byte {@code j} holds value {@code 2j} in its
 *       high nibble and {@code 2j+1} in its low nibble. Blocks run across rows.</li>
 *   <li>Double quantization: the per-block absmax is itself stored as 8-bit codes into a 256-entry
 *       map, scaled per group of {@code nestedBlockSize} blocks, plus an offset:
 *       {@code map[q[b]] * nested[b / nestedBlockSize] + offset}, rounded after the product and
 *       again after the sum (two f32 operations, never a fused multiply-add). A NaN result is
 *       the canonical NaN: with three operands from the file, two may be NaNs, and which of them
 *       a Java operation keeps is the JIT's choice.</li>
 *   <li>LLM.int8: {@code (q[r, j] * scb[r]) * 7.874015718698502e-3f}, int8 codes times the
 *       row's absmax, then times the f32 nearest 1/127, as {@code int8_vectorwise_dequant}.</li>
 * </ul>
 * Stored data is little-endian and may be unaligned; f32 parts are read as stored.
 */
public interface BnbKernels {
    /** The factor LLM.int8 multiplies by: the f32 nearest to the Python float bitsandbytes writes. */
    float INT8_SCALE = 7.874015718698502e-3f;

    /**
     * Dequantizes values {@code [first, first + count)} of a packed 4-bit tensor.
     *
     * @param packed    the packed codes, value {@code i} in byte {@code i / 2}
     * @param absmax    the scales of the blocks the values touch: {@code absmax[0]} belongs to block
     *                  {@code first / blockSize}
     * @param blockSize values per block, any positive number
     */
    void dequantize4bit(FourBitCode code, MemorySegment packed, long first, int count, float[] absmax,
                        int blockSize, float[] dst, int dstOffset);

    /**
     * Decodes the double-quantized scales of blocks {@code [firstBlock, firstBlock + count)} into
     * {@code dst}.
     *
     * @param codes           one byte per block
     * @param map             the 256 values the codes index (the stored {@code nested_quant_map})
     * @param nestedAbsmax    f32 scales, one per {@code nestedBlockSize} blocks
     * @param offset          the {@code nested_offset} added to every scale
     */
    void dequantizeAbsmax(MemorySegment codes, long firstBlock, int count, float[] map, MemorySegment nestedAbsmax,
                          int nestedBlockSize, float offset, float[] dst, int dstOffset);

    /**
     * Dequantizes rows {@code [firstRow, firstRow + rows)} of an LLM.int8 weight.
     *
     * @param q   the int8 codes, row-major, {@code rowLength} per row
     * @param scb f32 per-row absmax ({@code SCB}), one per row of the whole tensor
     */
    void dequantizeInt8Rows(MemorySegment q, MemorySegment scb, long firstRow, int rows, int rowLength, float[] dst,
                            int dstOffset);
}
