package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q3_K as {@code quantize_row_q3_K_ref} and {@code dequantize_row_q3_K}: 256 values in 16 groups
 * of 16, each fitted with a signed scale ({@link Q3Fit}); the scales become 6-bit codes of one
 * f16 super-scale and the values 3-bit levels against the stored scales. Bytes: {@code hmask[32]}
 * (bit {@code n/32} of byte {@code n%32}: level n has its 4 added), {@code qs[64]} (the low two
 * bits as in Q2_K), {@code scales[12]} (code j: low nibble of byte j, or high nibble of byte
 * j-8, and two bits {@code 2*(j/4)} of byte {@code 8 + j%4}), {@code d}. A value is
 * {@code d*(s-32)*(q - (hbit ? 0 : 4))}.
 */
final class ScalarQ3_K extends GroupFitCodec {
    static final ScalarQ3_K INSTANCE = new ScalarQ3_K();

    private static final int GROUPS = 16;
    private static final int BYTES = 110;

    private ScalarQ3_K() {
        super(GgmlType.Q3_K, GROUPS, Q3Fit.GROUP, 108);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Q3Fit.fit(x, o, count, fits);
    }

    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        byte[] b = new byte[BYTES];
        float maxScale = Scan.signedMax(fits.scales, g0, GROUPS);
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int j = 0; j < GROUPS; j++) {
                int l = Math.clamp((byte) CFloat.nearestInt(iscale * fits.scales[g0 + j]), -32, 31) + 32;
                if (j < 8) {
                    b[96 + j] = (byte) (l & 0xF);
                } else {
                    b[96 + j - 8] |= (byte) ((l & 0xF) << 4);
                }
                b[96 + 8 + j % 4] |= (byte) ((l >> 4) << 2 * (j / 4));
            }
            Blocks.putF16(b, 108, 1 / iscale);
        }
        byte[] levels = new byte[256];
        float d = Blocks.f16(b, 108);
        for (int j = 0; j < GROUPS; j++) {
            float dl = d * (code(b, j) - 32);
            if (dl == 0) {
                fits.copyLevels(g0 + j, levels, 16 * j); // the group keeps the levels of its fit
            } else {
                pass.levels(x, o + 16 * j, 16, -0f, dl, -4, 3, 4, levels, 16 * j);
            }
        }
        for (int n = 0; n < 256; n++) {
            // levels are 0..7: bit 2 goes to hmask, without a branch the data would mispredict
            b[n % 32] |= (byte) ((levels[n] >> 2) << n / 32);
            levels[n] &= 3;
        }
        Blocks.putCrumbs(levels, 0, b, 32);
        Blocks.putCrumbs(levels, 128, b, 64);
        Blocks.write(b, y, p);
    }

    /** The 6-bit scale code of group j. */
    static int code(byte[] b, int j) {
        int low = j < 8 ? b[96 + j] & 0xF : Blocks.u8(b, 96 + j - 8) >> 4;
        return low | ((Blocks.u8(b, 96 + 8 + j % 4) >> 2 * (j / 4)) & 3) << 4;
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 108);
        for (int n = 0; n < 256; n++) {
            float dl = d * (code(b, n / 16) - 32);
            int q = (b[32 + 32 * (n / 128) + n % 32] >> 2 * ((n % 128) / 32)) & 3;
            int high = (b[n % 32] >> n / 32) & 1;
            y[o + n] = dl * (q - (high != 0 ? 0 : 4));
        }
    }
}
