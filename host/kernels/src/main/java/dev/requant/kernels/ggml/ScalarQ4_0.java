package dev.requant.kernels.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 as {@code quantize_row_q4_0_ref} and {@code dequantize_row_q4_0}: 32 values, an f16 scale
 * {@code d = max / -8} where {@code max} is the first value of largest magnitude, and nibbles
 * {@code q = x/d + 8} (value j low, value j+16 high).
 */
final class ScalarQ4_0 implements BlockCodec {
    static final ScalarQ4_0 INSTANCE = new ScalarQ4_0();

    private static final int QK = 32;
    private static final int BYTES = 18;

    private ScalarQ4_0() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        int blocks = Blocks.of(GgmlType.Q4_0, count);
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * QK, dst, dstOffset + (long) b * BYTES);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int blocks = Blocks.of(GgmlType.Q4_0, count);
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(src, srcOffset + (long) b * BYTES, dst, dstOffset + b * QK);
        }
    }

    static void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) CFloat.cvtt(x[o + j] * id + 8.5f)) & 0xFF;
            int q1 = Math.min(15, (byte) CFloat.cvtt(x[o + QK / 2 + j] * id + 8.5f)) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (q0 | q1 << 4));
        }
    }

    static void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        for (int j = 0; j < QK / 2; j++) {
            int b = x.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
            y[o + j] = ((b & 0x0F) - 8) * d;
            y[o + QK / 2 + j] = ((b >>> 4) - 8) * d;
        }
    }
}
