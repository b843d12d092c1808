package dev.requant.kernels.internal.ggml;

/**
 * ggml's {@code make_q3_quants} as Q3_K calls it (groups of 16, levels -4..3, weighted error):
 * levels from the first value of largest magnitude, then up to five passes that move one level
 * at a time while that lowers the weighted error. ggml's float operations in ggml's order.
 */
final class Q3Fit {
    static final int GROUP = 16;
    static final int NMAX = 4;
    static final int PASSES = 5;

    private Q3Fit() {
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
        int[] l = new int[GROUP];
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < GROUP; i++) {
            float v = x[o + i];
            l[i] = Math.clamp(CFloat.nearestInt(iscale * v), -NMAX, NMAX - 1);
            float w = v * v;
            sumLX += w * v * l[i];
            sumL2 += w * l[i] * l[i];
        }
        for (int pass = 0; pass < PASSES; pass++) {
            boolean changed = false;
            for (int i = 0; i < GROUP; i++) {
                float v = x[o + i];
                float w = v * v;
                float slx = sumLX - w * v * l[i];
                if (slx > 0) {
                    float sl2 = sumL2 - w * l[i] * l[i];
                    int moved = Math.clamp(CFloat.nearestInt(v * sl2 / slx), -NMAX, NMAX - 1);
                    if (moved != l[i]) {
                        slx += w * v * moved;
                        sl2 += w * moved * moved;
                        if (sl2 > 0 && slx * slx * sumL2 > sumLX * sumLX * sl2) {
                            l[i] = moved;
                            sumLX = slx;
                            sumL2 = sl2;
                            changed = true;
                        }
                    }
                }
            }
            if (!changed) {
                break;
            }
        }
        for (int i = 0; i < GROUP; i++) {
            levels[lo + i] = (byte) (l[i] + NMAX);
        }
        return sumL2 > 0 ? sumLX / sumL2 : 0;
    }
}
