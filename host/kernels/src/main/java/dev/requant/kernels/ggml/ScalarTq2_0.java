package dev.requant.kernels.ggml;

import java.lang.foreign.MemorySegment;

/**
 * TQ2_0 as {@code quantize_row_tq2_0_ref} and {@code dequantize_row_tq2_0}: 256 values, an f16
 * scale {@code d = max|x|} and ternary levels {@code lroundf(x/d) + 1} (0, 1, 2 for -1, 0, 1) of
 * two bits: in each 128-value chunk c, byte {@code 32c + m} holds values {@code 128c + m + 32k}
 * at bits {@code 2k}. Bytes: {@code qs[64]}, {@code d}. A value is {@code (q-1)*d}.
 */
final class ScalarTq2_0 extends AbstractBlockCodec {
    static final ScalarTq2_0 INSTANCE = new ScalarTq2_0();

    private static final int BYTES = 66;

    private ScalarTq2_0() {
        super(GgmlType.TQ2_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.maxMagnitude(x, o, 256);
        float id = d != 0 ? 1 / d : 0;
        byte[] b = new byte[BYTES];
        for (int c = 0; c < 2; c++) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int k = 0; k < 4; k++) {
                    q += (trit(x[o + 128 * c + m + 32 * k], id) & 3) << 2 * k;
                }
                b[32 * c + m] = (byte) q;
            }
        }
        Blocks.putF16(b, 64, d);
        Blocks.write(b, y, p);
    }

    /** ggml's {@code lroundf(v*id) + 1} as the {@code int} it stores it in: 0, 1 or 2 for finite v/d. */
    static int trit(float v, float id) {
        return (int) (CFloat.lroundf(v * id) + 1);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 64);
        for (int n = 0; n < 256; n++) {
            int q = (b[32 * (n / 128) + n % 32] >> 2 * ((n % 128) / 32)) & 3;
            y[o + n] = (float) (q - 1) * d;
        }
    }
}
