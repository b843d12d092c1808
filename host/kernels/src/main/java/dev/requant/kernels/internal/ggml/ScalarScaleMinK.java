package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K and Q5_K as {@code quantize_row_q4_K_ref}, {@code quantize_row_q5_K_ref} and their
 * dequantizers: 256 values in 8 groups of 32, each fitted with a scale and a minimum
 * ({@link Qkx2Fit}); scales and minimums become 6-bit codes of two f16 super-scales, the values
 * 4- or 5-bit levels against the stored scales. Bytes: {@code d}, {@code dmin},
 * {@code scales[12]} (the codes as {@code get_scale_min_k4} reads them), for Q5_K {@code qh[32]}
 * (the fifth bit of value {@code 64c+32h+l} in bit {@code 2c+h} of byte l), then {@code qs[128]}
 * (chunk c byte l: value {@code 64c+l} low, {@code 64c+32+l} high). A value is
 * {@code d*sc*q - dmin*m}.
 */
final class ScalarScaleMinK extends GroupFitCodec {
    static final ScalarScaleMinK Q4_K = new ScalarScaleMinK(GgmlType.Q4_K, Qkx2Fit.Q4_K);
    static final ScalarScaleMinK Q5_K = new ScalarScaleMinK(GgmlType.Q5_K, Qkx2Fit.Q5_K);

    static final int GROUPS = 8;

    final Qkx2Fit.Params fit;
    private final int bytes;
    private final boolean fifthBit;

    private ScalarScaleMinK(GgmlType type, Qkx2Fit.Params fit) {
        super(type, GROUPS, 32, 0, 2);
        this.fit = fit;
        this.bytes = type.typeSize();
        this.fifthBit = fit.nmax() > 15;
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Qkx2Fit.fit(fit, x, o, count, fits);
    }

    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        float maxScale = Scan.maxAboveZero(fits.scales, g0, GROUPS);
        float maxMin = Scan.maxAboveZero(fits.mins, g0, GROUPS);
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] b = new byte[bytes];
        for (int j = 0; j < GROUPS; j++) {
            int ls = Math.min(63, CFloat.nearestInt(invScale * fits.scales[g0 + j]) & 0xFF);
            int lm = Math.min(63, CFloat.nearestInt(invMin * fits.mins[g0 + j]) & 0xFF);
            if (j < 4) {
                b[4 + j] = (byte) ls;
                b[4 + j + 4] = (byte) lm;
            } else {
                b[4 + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                b[4 + j - 4] |= (byte) ((ls >> 4) << 6);
                b[4 + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        Blocks.putF16(b, 0, maxScale / 63f);
        Blocks.putF16(b, 2, maxMin / 63f);
        byte[] levels = new byte[256];
        float d = Blocks.f16(b, 0);
        float dmin = Blocks.f16(b, 2);
        for (int j = 0; j < GROUPS; j++) {
            float dl = d * scaleCode(b, j);
            if (dl == 0) {
                fits.copyLevels(g0 + j, levels, 32 * j); // the group keeps the levels of its fit
            } else {
                pass.levels(x, o + 32 * j, 32, dmin * minCode(b, j), dl, 0, fit.nmax(), 0, levels, 32 * j);
            }
        }
        int qs = fifthBit ? 48 : 16;
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int low = levels[64 * c + l];
                int high = levels[64 * c + 32 + l];
                if (fifthBit) {
                    b[16 + l] |= (byte) ((low >> 4) << 2 * c | (high >> 4) << 2 * c + 1);
                }
                b[qs + 32 * c + l] = (byte) ((low & 0xF) | (high & 0xF) << 4);
            }
        }
        Blocks.write(b, y, p);
    }

    /** {@code get_scale_min_k4}'s scale code of group j. */
    static int scaleCode(byte[] b, int j) {
        return j < 4 ? b[4 + j] & 63 : (b[4 + j + 4] & 0xF) | (Blocks.u8(b, 4 + j - 4) >> 6) << 4;
    }

    /** {@code get_scale_min_k4}'s minimum code of group j. */
    static int minCode(byte[] b, int j) {
        return j < 4 ? b[4 + j + 4] & 63 : Blocks.u8(b, 4 + j + 4) >> 4 | (Blocks.u8(b, 4 + j) >> 6) << 4;
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, bytes);
        float d = Blocks.f16(b, 0);
        float min = Blocks.f16(b, 2);
        int qs = fifthBit ? 48 : 16;
        for (int n = 0; n < 256; n++) {
            int j = n / 32;
            int c = n / 64;
            int l = n % 32;
            int half = j % 2;
            int q = (Blocks.u8(b, qs + 32 * c + l) >> 4 * half) & 0xF;
            if (fifthBit) {
                q += ((b[16 + l] >> j) & 1) << 4;
            }
            y[o + n] = d * scaleCode(b, j) * q - min * minCode(b, j);
        }
    }
}
