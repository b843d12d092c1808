package dev.requant.kernels.internal.ggml;

/** The scalar scans over a block that ggml's reference quantizers share, with their tie and NaN rules. */
final class Scan {
    private Scan() {
    }

    /**
     * The first of {@code n} values of largest magnitude, with its sign: a value replaces the
     * running one only when strictly larger in magnitude, so NaNs never do and a block of zeros
     * gives +0.
     */
    static float signedMax(float[] x, int o, int n) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /**
     * The largest of {@code n} magnitudes as C's {@code MAX(amax, fabsf(v))} finds it from 0: a
     * NaN survives only as the last value.
     */
    static float maxMagnitude(float[] x, int o, int n) {
        float amax = 0;
        for (int j = 0; j < n; j++) {
            float a = Math.abs(x[o + j]);
            amax = amax > a ? amax : a;
        }
        return amax;
    }

    /** The largest of {@code n} values if above 0, else 0: a value replaces the running one only when strictly larger. */
    static float maxAboveZero(float[] x, int o, int n) {
        float max = 0;
        for (int j = 0; j < n; j++) {
            if (x[o + j] > max) {
                max = x[o + j];
            }
        }
        return max;
    }

    /** The smallest of {@code n} values, starting from {@code FLT_MAX}; NaNs never replace it. */
    static float min(float[] x, int o, int n) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < n; j++) {
            if (x[o + j] < min) {
                min = x[o + j];
            }
        }
        return min;
    }

    /** The largest of {@code n} values, starting from {@code -FLT_MAX}; NaNs never replace it. */
    static float max(float[] x, int o, int n) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < n; j++) {
            if (x[o + j] > max) {
                max = x[o + j];
            }
        }
        return max;
    }

    /** Whether none of {@code n} values is infinite or NaN. */
    static boolean allFinite(float[] x, int o, int n) {
        for (int j = 0; j < n; j++) {
            if (!Float.isFinite(x[o + j])) {
                return false;
            }
        }
        return true;
    }
}
