package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_1 as {@code quantize_row_q5_1_ref} and {@code dequantize_row_q5_1}: 32 values, f16 scale
 * {@code d = (max - min) / 31} and f16 minimum {@code m}, 5-bit {@code q = (x - min)/d} (not
 * clamped, unlike Q4_1) laid out as in Q5_0; a value is {@code q*d + m}.
 */
final class ScalarQ5_1 extends AbstractBlockCodec {
    static final ScalarQ5_1 INSTANCE = new ScalarQ5_1();

    private static final int QK = 32;

    private ScalarQ5_1() {
        super(GgmlType.Q5_1);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float min = Scan.min(x, o, QK);
        float d = (Scan.max(x, o, QK) - min) / 31;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        y.set(Layouts.I16, p + 2, Fp.f32ToF16(min));
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = CFloat.cvtt((x[o + j] - min) * id + 0.5f) & 0xFF;
            int q1 = CFloat.cvtt((x[o + QK / 2 + j] - min) * id + 0.5f) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, p + 8 + j, (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + QK / 2);
        }
        y.set(Layouts.I32, p + 4, qh);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        float m = Fp.f16ToF32(x.get(Layouts.I16, p + 2));
        int qh = x.get(Layouts.I32, p + 4);
        for (int j = 0; j < QK / 2; j++) {
            int b = x.get(ValueLayout.JAVA_BYTE, p + 8 + j) & 0xFF;
            int q0 = (b & 0x0F) | ((qh >>> j) & 1) << 4;
            int q1 = (b >>> 4) | ((qh >>> (j + QK / 2)) & 1) << 4;
            y[o + j] = CFloat.add(q0 * d, m);
            y[o + QK / 2 + j] = CFloat.add(q1 * d, m);
        }
    }
}
