package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;

/**
 * TQ1_0 ({@link ScalarTernary}): levels packed five to a byte in base 3, first level most
 * significant, the byte being {@code ceil(code * 256 / 243)} so that multiplying by 3 brings each
 * level to the top: {@code qs[0..31]} hold values {@code m + 32k} (k = 0..4),
 * {@code qs[32..47]} values {@code 160 + m + 16k}, {@code qh[4]} values {@code 240 + j + 4k}
 * (k = 0..3, with a zero fifth level). Bytes: {@code qs[48]}, {@code qh[4]}, {@code d}.
 */
final class ScalarTq1_0 extends ScalarTernary {
    static final ScalarTq1_0 INSTANCE = new ScalarTq1_0();

    private static final int[] POW3 = {1, 3, 9, 27, 81};

    private ScalarTq1_0() {
        super(GgmlType.TQ1_0);
    }

    @Override
    void packLevels(int[] levels, byte[] b) {
        for (int m = 0; m < 32; m++) {
            b[m] = pack(levels, m, 32, 5);
        }
        for (int m = 0; m < 16; m++) {
            b[32 + m] = pack(levels, 160 + m, 16, 5);
        }
        for (int j = 0; j < 4; j++) {
            b[48 + j] = pack(levels, 240 + j, 4, 4);
        }
    }

    /** {@code count} levels {@code stride} apart from {@code levels[at]}, as one byte (uint8 arithmetic). */
    private static byte pack(int[] levels, int at, int stride, int count) {
        int q = 0;
        for (int k = 0; k < count; k++) {
            q = (q * 3 + levels[at + k * stride]) & 0xFF;
        }
        if (count == 4) {
            q = q * 3 & 0xFF; // the first level to the most significant of five
        }
        return (byte) ((q * 256 + 242) / 243);
    }

    @Override
    void unpack(byte[] b, byte[] values) {
        for (int k = 0; k < 5; k++) {
            for (int m = 0; m < 32; m++) {
                values[32 * k + m] = level(b[m], k);
            }
            for (int m = 0; m < 16; m++) {
                values[160 + 16 * k + m] = level(b[32 + m], k);
            }
        }
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 4; j++) {
                values[240 + 4 * k + j] = level(b[48 + j], k);
            }
        }
    }

    /** Level k of a packed byte, less one: multiplying by 3^k brings it to the top of the byte. */
    private static byte level(byte packed, int k) {
        int q = (packed & 0xFF) * POW3[k] & 0xFF;
        return (byte) (((q * 3) >> 8) - 1);
    }
}
