package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 as {@code quantize_row_q4_0_ref} and {@code dequantize_row_q4_0}: 32 values, an f16 scale
 * {@code d = max / -8} where {@code max} is the first value of largest magnitude, and nibbles
 * {@code q = x/d + 8} (value j low, value j+16 high).
 */
final class ScalarQ4_0 extends AbstractBlockCodec {
    static final ScalarQ4_0 INSTANCE = new ScalarQ4_0();

    private static final int QK = 32;

    private ScalarQ4_0() {
        super(GgmlType.Q4_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.signedMax(x, o, QK) / -8;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) CFloat.cvtt(x[o + j] * id + 8.5f)) & 0xFF;
            int q1 = Math.min(15, (byte) CFloat.cvtt(x[o + QK / 2 + j] * id + 8.5f)) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (q0 | q1 << 4));
        }
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        for (int j = 0; j < QK / 2; j++) {
            int b = x.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
            y[o + j] = ((b & 0x0F) - 8) * d;
            y[o + QK / 2 + j] = ((b >>> 4) - 8) * d;
        }
    }
}
