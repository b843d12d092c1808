package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;

/**
 * TQ2_0 ({@link ScalarTernary}): levels of two bits; in each 128-value chunk c, byte
 * {@code 32c + m} holds values {@code 128c + m + 32k} at bits {@code 2k}. Bytes: {@code qs[64]},
 * {@code d}.
 */
final class ScalarTq2_0 extends ScalarTernary {
    static final ScalarTq2_0 INSTANCE = new ScalarTq2_0();

    private ScalarTq2_0() {
        super(GgmlType.TQ2_0);
    }

    @Override
    void packLevels(int[] levels, byte[] b) {
        for (int c = 0; c < 2; c++) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int k = 0; k < 4; k++) {
                    q += (levels[128 * c + m + 32 * k] & 3) << 2 * k;
                }
                b[32 * c + m] = (byte) q;
            }
        }
    }

    @Override
    void unpack(byte[] b, byte[] values) {
        for (int n = 0; n < 256; n++) {
            values[n] = (byte) (((b[32 * (n / 128) + n % 32] >> 2 * ((n % 128) / 32)) & 3) - 1);
        }
    }
}
