package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K as {@code quantize_row_q6_K_ref} and {@code dequantize_row_q6_K}: 256 values in 16 groups
 * of 16, each fitted with a signed scale ({@link QxFit}); the scales become signed 8-bit codes of
 * one f16 super-scale and the values 6-bit levels (stored {@code q+32}) against the stored
 * scales. Bytes: {@code ql[128]}, {@code qh[64]} (for each half h and l < 32, values
 * {@code 128h + l + 32k}, k = 0..3: low nibbles in {@code ql[64h + l + 32(k%2)]} at
 * {@code 4*(k/2)}, high two bits in {@code qh[32h + l]} at {@code 2k}), {@code scales[16]}
 * (signed), {@code d}. A value is {@code d*sc*(q-32)}.
 */
final class ScalarQ6_K extends GroupFitCodec {
    static final ScalarQ6_K INSTANCE = new ScalarQ6_K();

    private static final int GROUPS = 16;
    private static final int BYTES = 210;

    private ScalarQ6_K() {
        super(GgmlType.Q6_K, GROUPS, QxFit.GROUP, 208);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        QxFit.fit(x, o, count, fits);
    }

    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        byte[] b = new byte[BYTES];
        float maxScale = Scan.signedMax(fits.scales, g0, GROUPS);
        if (Math.abs(maxScale) < 1e-15f) {
            Blocks.write(b, y, p); // all zero bytes: d = 0 and no levels
            return;
        }
        float iscale = -128f / maxScale;
        Blocks.putF16(b, 208, 1 / iscale);
        for (int j = 0; j < GROUPS; j++) {
            b[192 + j] = (byte) Math.min(127, CFloat.nearestInt(iscale * fits.scales[g0 + j]));
        }
        byte[] levels = new byte[256];
        float d = Blocks.f16(b, 208);
        for (int j = 0; j < GROUPS; j++) {
            float dl = d * b[192 + j];
            if (dl == 0) {
                fits.copyLevels(g0 + j, levels, 16 * j); // the group keeps the levels of its fit
            } else {
                pass.levels(x, o + 16 * j, 16, -0f, dl, -32, 31, 32, levels, 16 * j);
            }
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int at = 128 * h + l;
                b[64 * h + l] = (byte) ((levels[at] & 0xF) | (levels[at + 64] & 0xF) << 4);
                b[64 * h + l + 32] = (byte) ((levels[at + 32] & 0xF) | (levels[at + 96] & 0xF) << 4);
                b[128 + 32 * h + l] = (byte) (levels[at] >> 4 | (levels[at + 32] >> 4) << 2
                        | (levels[at + 64] >> 4) << 4 | (levels[at + 96] >> 4) << 6);
            }
        }
        Blocks.write(b, y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 208);
        for (int n = 0; n < 256; n++) {
            int h = n / 128;
            int k = (n % 128) / 32;
            int l = n % 32;
            int low = (Blocks.u8(b, 64 * h + l + 32 * (k % 2)) >> 4 * (k / 2)) & 0xF;
            int high = (b[128 + 32 * h + l] >> 2 * k) & 3;
            y[o + n] = d * b[192 + n / 16] * ((low | high << 4) - 32);
        }
    }
}
