package dev.requant.kernels.internal;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar reference of {@link ElementKernels}: one element at a time. */
public final class ScalarElementKernels implements ElementKernels {
    public static final ScalarElementKernels INSTANCE = new ScalarElementKernels();

    private ScalarElementKernels() {
    }

    @Override
    public void readF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(Layouts.F32, srcOffset + 4L * i);
        }
    }

    @Override
    public void readF16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Fp.f16ToF32(src.get(Layouts.I16, srcOffset + 2L * i));
        }
    }

    @Override
    public void readBf16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Fp.bf16ToF32(src.get(Layouts.I16, srcOffset + 2L * i));
        }
    }

    @Override
    public void readF64(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = (float) src.get(Layouts.F64, srcOffset + 8L * i);
        }
    }

    @Override
    public void readF8E4M3(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Fp.f8e4m3ToF32(src.get(ValueLayout.JAVA_BYTE, srcOffset + i));
        }
    }

    @Override
    public void readF8E5M2(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Fp.f8e5m2ToF32(src.get(ValueLayout.JAVA_BYTE, srcOffset + i));
        }
    }

    @Override
    public void writeF32(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst.set(Layouts.F32, dstOffset + 4L * i, src[srcOffset + i]);
        }
    }

    @Override
    public void writeF16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst.set(Layouts.I16, dstOffset + 2L * i, Fp.f32ToF16(src[srcOffset + i]));
        }
    }

    @Override
    public void writeBf16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst.set(Layouts.I16, dstOffset + 2L * i, Fp.f32ToBf16(src[srcOffset + i]));
        }
    }

    @Override
    public void writeF64(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst.set(Layouts.F64, dstOffset + 8L * i, src[srcOffset + i]);
        }
    }
}
