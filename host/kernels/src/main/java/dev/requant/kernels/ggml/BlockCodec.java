package dev.requant.kernels.ggml;

import java.lang.foreign.MemorySegment;

/**
 * One ggml block type: quantize f32 values into blocks and back, byte-exact with ggml's
 * {@code ggml_quantize_chunk} (no importance matrix) and {@code to_float}. {@code count} is a
 * multiple of the block size; blocks are independent, so any split of a row gives the same bytes.
 */
public interface BlockCodec {
    GgmlType type();

    void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset);

    void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);
}
