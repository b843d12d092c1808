package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_1 as {@code quantize_row_q4_1_ref} and {@code dequantize_row_q4_1}: 32 values, f16 scale
 * {@code d = (max - min) / 15} and f16 minimum {@code m}, nibbles {@code q = (x - min)/d}
 * (value j low, value j+16 high); a value is {@code q*d + m}.
 */
final class ScalarQ4_1 extends AbstractBlockCodec {
    static final ScalarQ4_1 INSTANCE = new ScalarQ4_1();

    private static final int QK = 32;

    private ScalarQ4_1() {
        super(GgmlType.Q4_1);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float min = Scan.min(x, o, QK);
        float d = (Scan.max(x, o, QK) - min) / 15;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        y.set(Layouts.I16, p + 2, Fp.f32ToF16(min));
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) CFloat.cvtt((x[o + j] - min) * id + 0.5f)) & 0xFF;
            int q1 = Math.min(15, (byte) CFloat.cvtt((x[o + QK / 2 + j] - min) * id + 0.5f)) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, p + 4 + j, (byte) (q0 | q1 << 4));
        }
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        float m = Fp.f16ToF32(x.get(Layouts.I16, p + 2));
        for (int j = 0; j < QK / 2; j++) {
            int b = x.get(ValueLayout.JAVA_BYTE, p + 4 + j) & 0xFF;
            y[o + j] = CFloat.add((b & 0x0F) * d, m);
            y[o + QK / 2 + j] = CFloat.add((b >>> 4) * d, m);
        }
    }
}
