package dev.requant.kernels.internal.ggml;

/**
 * ggml's {@code make_qx_quants} as Q6_K calls it (groups of 16, levels -32..31, weights
 * {@code x^2}): a symmetric scale from the first value of largest magnitude, then 18 other
 * scales around it, keeping the one of least weighted error. ggml's float operations in ggml's
 * order.
 */
final class QxFit {
    static final int GROUP = 16;
    static final int NMAX = 32;

    private QxFit() {
    }

    /** Fits the {@code groups} groups from {@code x[o]} on into {@code fits}. */
    static void fit(float[] x, int o, int groups, GroupFits fits) {
        for (int g = 0; g < groups; g++) {
            fits.scales[g] = fitGroup(x, o + g * GROUP, fits.levels, g * GROUP);
        }
    }

    private static float fitGroup(float[] x, int o, byte[] levels, int lo) {
        float max = Scan.signedMax(x, o, GROUP);
        if (Math.abs(max) < 1e-15f) {
            for (int i = 0; i < GROUP; i++) {
                levels[lo + i] = 0;
            }
            return 0;
        }
        float iscale = -NMAX / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < GROUP; i++) {
            float v = x[o + i];
            int l = level(iscale, v);
            levels[lo + i] = (byte) (l + NMAX);
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++) {
            if (step == 0) {
                continue;
            }
            iscale = -(NMAX + 0.1f * step) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < GROUP; i++) {
                float v = x[o + i];
                int l = level(iscale, v);
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < GROUP; i++) {
                    levels[lo + i] = (byte) (level(iscale, x[o + i]) + NMAX);
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    private static int level(float iscale, float v) {
        return Math.clamp(CFloat.nearestInt(iscale * v), -NMAX, NMAX - 1);
    }
}
