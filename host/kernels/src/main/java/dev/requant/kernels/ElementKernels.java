package dev.requant.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Conversions between stored element types and f32 rows. Stored data is little-endian and may be
 * unaligned. Narrowing follows ggml bit for bit: round to nearest even, overflow to infinity,
 * subnormals kept; a NaN becomes the canonical quiet NaN of the target ({@code 0x7E00|sign} in
 * f16, {@code (bits>>16)|0x40} in bf16).
 */
public interface ElementKernels {
    void readF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void readF16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void readBf16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void readF64(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void readF8E4M3(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void readF8E5M2(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);

    void writeF32(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);

    void writeF16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);

    void writeBf16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);

    void writeF64(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);
}
