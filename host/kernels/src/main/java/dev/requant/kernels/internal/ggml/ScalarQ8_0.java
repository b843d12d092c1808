package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 as {@code quantize_row_q8_0_ref} and {@code dequantize_row_q8_0}: 32 values, an f16 scale
 * {@code d = max|x| / 127} and 32 signed bytes {@code roundf(x / d)}.
 */
final class ScalarQ8_0 extends AbstractBlockCodec {
    static final ScalarQ8_0 INSTANCE = new ScalarQ8_0();

    private static final int QK = 32;

    private ScalarQ8_0() {
        super(GgmlType.Q8_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.maxMagnitude(x, o, QK) / 127;
        float id = d != 0 ? 1 / d : 0;
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        for (int j = 0; j < QK; j++) {
            y.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) CFloat.cvtt(CFloat.roundf(x[o + j] * id)));
        }
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        for (int j = 0; j < QK; j++) {
            y[o + j] = x.get(ValueLayout.JAVA_BYTE, p + 2 + j) * d;
        }
    }
}
