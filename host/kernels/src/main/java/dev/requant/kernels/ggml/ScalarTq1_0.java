package dev.requant.kernels.ggml;

import java.lang.foreign.MemorySegment;

/**
 * TQ1_0 as {@code quantize_row_tq1_0_ref} and {@code dequantize_row_tq1_0}: 256 values, an f16
 * scale {@code d = max|x|} and ternary levels (as {@link ScalarTq2_0}) packed five to a byte in
 * base 3, first level most significant, the byte being {@code ceil(code * 256 / 243)} so that
 * multiplying by 3 brings each level to the top: {@code qs[0..31]} hold values
 * {@code m + 32k} (k = 0..4), {@code qs[32..47]} values {@code 160 + m + 16k}, {@code qh[4]}
 * values {@code 240 + j + 4k} (k = 0..3, with a zero fifth level). Bytes: {@code qs[48]},
 * {@code qh[4]}, {@code d}. A value is {@code (q-1)*d}.
 */
final class ScalarTq1_0 extends AbstractBlockCodec {
    static final ScalarTq1_0 INSTANCE = new ScalarTq1_0();

    private static final int BYTES = 54;
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    private ScalarTq1_0() {
        super(GgmlType.TQ1_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.maxMagnitude(x, o, 256);
        float id = d != 0 ? 1 / d : 0;
        byte[] b = new byte[BYTES];
        for (int m = 0; m < 32; m++) {
            b[m] = pack(x, o + m, 32, 5, id);
        }
        for (int m = 0; m < 16; m++) {
            b[32 + m] = pack(x, o + 160 + m, 16, 5, id);
        }
        for (int j = 0; j < 4; j++) {
            b[48 + j] = pack(x, o + 240 + j, 4, 4, id);
        }
        Blocks.putF16(b, 52, d);
        Blocks.write(b, y, p);
    }

    /** {@code count} levels {@code stride} apart from {@code x[at]}, as one byte (uint8 arithmetic). */
    static byte pack(float[] x, int at, int stride, int count, float id) {
        int q = 0;
        for (int k = 0; k < count; k++) {
            q = (q * 3 + ScalarTq2_0.trit(x[at + k * stride], id)) & 0xFF;
        }
        if (count == 4) {
            q = q * 3 & 0xFF; // the first level to the most significant of five
        }
        return (byte) ((q * 256 + 242) / 243);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 52);
        for (int k = 0; k < 5; k++) {
            for (int m = 0; m < 32; m++) {
                y[o + 32 * k + m] = level(b[m], k) * d;
            }
            for (int m = 0; m < 16; m++) {
                y[o + 160 + 16 * k + m] = level(b[32 + m], k) * d;
            }
        }
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 4; j++) {
                y[o + 240 + 4 * k + j] = level(b[48 + j], k) * d;
            }
        }
    }

    /** Level k of a packed byte, less one: multiplying by 3^k brings it to the top of the byte. */
    static float level(byte packed, int k) {
        int q = (packed & 0xFF) * POW3[k] & 0xFF;
        return (float) (((q * 3) >> 8) - 1);
    }
}
