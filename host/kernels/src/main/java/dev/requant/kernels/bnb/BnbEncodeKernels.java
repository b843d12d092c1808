package dev.requant.kernels.bnb;

import java.lang.foreign.MemorySegment;

/**
 * Quantization to bitsandbytes' layouts, with bitsandbytes' own decisions (its CUDA kernels
 * {@code kQuantizeBlockwise} and {@code kInt8VectorQuant}), so that the stored bytes are the ones
 * bitsandbytes would write for the same f32 input.
 *
 * <ul>
 *   <li>Block absmax: the largest {@code |x|} of each block of the flattened tensor, the last
 *       block possibly partial. A NaN in a block makes its absmax NaN (CUDA's {@code fmaxf} would
 *       skip it; NaN weights are garbage either way, and this keeps both implementations equal).</li>
 *   <li>4-bit codes: {@code x * (1 / absmax)} in f32 (bitsandbytes multiplies by the reciprocal),
 *       then the CUDA decision tree with strict {@code >} at every threshold. FP4 takes the sign
 *       from {@code x < 0}, so -0 gets code 0. Two codes a byte, the first in the high nibble; an
 *       odd count is padded with the code of 0.0 in its block, as the kernel pads its loads.</li>
 *   <li>8-bit blockwise codes into a 256-entry sorted map (double quantization of the absmax):
 *       {@code v * (1 / blockAbsmax)}, then the kernel's 7-step binary search and the midpoint between
 *       the entry it ends on and the neighbour on the value's side (on the midpoint: the entry).</li>
 *   <li>LLM.int8: per row {@code SCB = max |x|}, {@code q = rint(x * (127 / SCB))} (half to even,
 *       as {@code __float2int_rn}).</li>
 * </ul>
 */
public interface BnbEncodeKernels {
    /** {@code dst[dstOffset + b]} = the absmax of block {@code b} of {@code src[offset, offset + count)}. */
    void absmax(float[] src, int offset, int count, int blockSize, float[] dst, int dstOffset);

    /**
     * Quantizes {@code count} values (whole blocks, the last one possibly partial) into
     * {@code (count + 1) / 2} bytes at {@code packedOffset}.
     *
     * @param absmax the blocks' absmax, {@code absmax[0]} for the block at {@code offset}
     */
    void quantize4bit(FourBitCode code, float[] src, int offset, int count, float[] absmax, int blockSize,
                      MemorySegment packed, long packedOffset);

    /**
     * Quantizes {@code count} values in blocks of {@code blockSize} to one byte each, indices into
     * {@code map} (256 ascending values); writes each block's absmax to {@code blockAbsmax}.
     */
    void quantizeBlockwise8bit(float[] src, int offset, int count, float[] map, int blockSize, float[] blockAbsmax,
                               MemorySegment codes, long codesOffset);

    /**
     * Quantizes {@code rows} rows of {@code rowLength} values to int8 codes at {@code qOffset} and
     * their absmax to {@code scb[scbOffset + r]}.
     */
    void quantizeInt8Rows(float[] src, int offset, int rows, int rowLength, MemorySegment q, long qOffset,
                          float[] scb, int scbOffset);
}
