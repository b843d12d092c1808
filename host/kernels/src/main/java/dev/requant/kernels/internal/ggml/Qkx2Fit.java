package dev.requant.kernels.internal.ggml;

/**
 * ggml's {@code make_qkx2_quants}, the scale-and-minimum search of Q2_K, Q4_K and Q5_K, with the
 * weights their reference quantizers give it. Every float operation is ggml's, in ggml's order:
 * sums run from the first value to the last, nothing is fused.
 */
final class Qkx2Fit {
    /** How a type weighs the values of a group. */
    enum Weights {
        /** {@code |x|} (Q2_K). */
        MAGNITUDE,
        /** {@code sqrt(sum(x^2)/n) + |x|} (Q4_K, Q5_K). */
        RMS_PLUS_MAGNITUDE
    }

    /** One type's search: levels 0..nmax, the steps tried, absolute or squared error. */
    record Params(int groupSize, int nmax, float rmin, float rdelta, int nstep, boolean mad, Weights weights) {
    }

    static final Params Q2_K = new Params(16, 3, -0.5f, 0.1f, 15, true, Weights.MAGNITUDE);
    static final Params Q4_K = new Params(32, 15, -1f, 0.1f, 20, false, Weights.RMS_PLUS_MAGNITUDE);
    static final Params Q5_K = new Params(32, 31, -0.5f, 0.1f, 15, false, Weights.RMS_PLUS_MAGNITUDE);

    private Qkx2Fit() {
    }

    /** Fits the {@code groups} groups from {@code x[o]} on into {@code fits}. */
    static void fit(Params p, float[] x, int o, int groups, GroupFits fits) {
        int n = p.groupSize();
        float[] w = new float[n];
        byte[] aux = new byte[n];
        for (int g = 0; g < groups; g++) {
            int xo = o + g * n;
            weigh(p, x, xo, w);
            fitGroup(p, x, xo, w, aux, fits, g);
        }
    }

    private static void weigh(Params p, float[] x, int o, float[] w) {
        int n = p.groupSize();
        float base = 0;
        if (p.weights() == Weights.RMS_PLUS_MAGNITUDE) {
            float sumX2 = 0;
            for (int i = 0; i < n; i++) {
                sumX2 += x[o + i] * x[o + i];
            }
            base = (float) Math.sqrt(sumX2 / n);
        }
        for (int i = 0; i < n; i++) {
            w[i] = p.weights() == Weights.RMS_PLUS_MAGNITUDE ? base + Math.abs(x[o + i]) : Math.abs(x[o + i]);
        }
    }

    private static void fitGroup(Params p, float[] x, int o, float[] w, byte[] aux, GroupFits fits, int g) {
        int n = p.groupSize();
        int nmax = p.nmax();
        byte[] levels = fits.levels;
        int lo = g * n;
        float min = x[o];
        float max = x[o];
        float sumW = w[0];
        float sumX = sumW * x[o];
        for (int i = 1; i < n; i++) {
            float v = x[o + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            fits.scales[g] = 0;
            fits.mins[g] = -min;
            return;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.clamp(CFloat.nearestInt(iscale * (x[o + i] - min)), 0, nmax);
            levels[lo + i] = (byte) l;
            float diff = scale * l + min - x[o + i];
            bestError += w[i] * (p.mad() ? Math.abs(diff) : diff * diff);
        }
        for (int step = 0; step <= p.nstep(); step++) {
            // the current min: an accepted step moves it, and later steps start from there
            iscale = (p.rmin() + p.rdelta() * step + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.clamp(CFloat.nearestInt(iscale * (x[o + i] - min)), 0, nmax);
                aux[i] = (byte) l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[o + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[o + i];
                    error += w[i] * (p.mad() ? Math.abs(diff) : diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        fits.scales[g] = scale;
        fits.mins[g] = -min;
    }
}
