package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q2_K as {@code quantize_row_q2_K_ref} and {@code dequantize_row_q2_K}: 256 values in 16 groups
 * of 16, each fitted with a scale and a minimum ({@link Qkx2Fit}); the 16 scales and 16 minimums
 * become 4-bit codes of two f16 super-scales, and the values 2-bit levels against the stored
 * scales. Bytes: {@code scales[16]} (scale code low nibble, minimum code high), {@code qs[64]}
 * (level n in byte {@code 32*(n/128) + n%32} at bit {@code 2*((n%128)/32)}), {@code d},
 * {@code dmin}. A value is {@code d*sc*q - dmin*m}.
 */
final class ScalarQ2_K extends GroupFitCodec {
    static final ScalarQ2_K INSTANCE = new ScalarQ2_K();

    private static final int GROUPS = 16;
    private static final int BYTES = 84;

    private ScalarQ2_K() {
        super(GgmlType.Q2_K, GROUPS, 16, 80, 82);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Qkx2Fit.fit(Qkx2Fit.Q2_K, x, o, count, fits);
    }

    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        float maxScale = Scan.maxAboveZero(fits.scales, g0, GROUPS);
        float maxMin = Scan.maxAboveZero(fits.mins, g0, GROUPS);
        byte[] b = new byte[BYTES];
        if (maxScale > 0) {
            float iscale = 15f / maxScale;
            for (int j = 0; j < GROUPS; j++) {
                b[j] = (byte) CFloat.nearestInt(iscale * fits.scales[g0 + j]);
            }
        }
        Blocks.putF16(b, 80, maxScale > 0 ? maxScale / 15f : 0f);
        if (maxMin > 0) {
            float iscale = 15f / maxMin;
            for (int j = 0; j < GROUPS; j++) {
                b[j] |= (byte) (CFloat.nearestInt(iscale * fits.mins[g0 + j]) << 4);
            }
        }
        Blocks.putF16(b, 82, maxMin > 0 ? maxMin / 15f : 0f);
        byte[] levels = new byte[256];
        float d = Blocks.f16(b, 80);
        float dmin = Blocks.f16(b, 82);
        for (int j = 0; j < GROUPS; j++) {
            float dl = d * (b[j] & 0xF);
            if (dl == 0) {
                fits.copyLevels(g0 + j, levels, 16 * j); // the group keeps the levels of its fit
            } else {
                pass.levels(x, o + 16 * j, 16, dmin * (Blocks.u8(b, j) >> 4), dl, 0, 3, 0, levels, 16 * j);
            }
        }
        Blocks.putCrumbs(levels, 0, b, 16);
        Blocks.putCrumbs(levels, 128, b, 48);
        Blocks.write(b, y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 80);
        float min = Blocks.f16(b, 82);
        for (int n = 0; n < 256; n++) {
            int sc = Blocks.u8(b, n / 16);
            int q = (b[16 + 32 * (n / 128) + n % 32] >> 2 * ((n % 128) / 32)) & 3;
            y[o + n] = d * (sc & 0xF) * q - min * (sc >> 4);
        }
    }
}
