package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_0 as {@code quantize_row_q5_0_ref} and {@code dequantize_row_q5_0}: 32 values, an f16 scale
 * {@code d = max / -16} (first value of largest magnitude), 5-bit {@code q = x/d + 16}: bit 4 of
 * value j in bit j of the little-endian {@code qh}, the low 4 bits as nibbles (value j low, value
 * j+16 high).
 */
final class ScalarQ5_0 extends AbstractBlockCodec {
    static final ScalarQ5_0 INSTANCE = new ScalarQ5_0();

    private static final int QK = 32;

    private ScalarQ5_0() {
        super(GgmlType.Q5_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.signedMax(x, o, QK) / -16;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(31, (byte) CFloat.cvtt(x[o + j] * id + 16.5f)) & 0xFF;
            int q1 = Math.min(31, (byte) CFloat.cvtt(x[o + QK / 2 + j] * id + 16.5f)) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, p + 6 + j, (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + QK / 2);
        }
        y.set(Layouts.I32, p + 2, qh);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        int qh = x.get(Layouts.I32, p + 2);
        for (int j = 0; j < QK / 2; j++) {
            int b = x.get(ValueLayout.JAVA_BYTE, p + 6 + j) & 0xFF;
            int q0 = (b & 0x0F) | ((qh >>> j) & 1) << 4;
            int q1 = (b >>> 4) | ((qh >>> (j + QK / 2)) & 1) << 4;
            y[o + j] = (q0 - 16) * d;
            y[o + QK / 2 + j] = (q1 - 16) * d;
        }
    }
}
