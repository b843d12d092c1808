package dev.requant.kernels.internal.ggml;

/**
 * The non-linear 4-bit grid of IQ4_NL and IQ4_XS ({@code kvalues_iq4nl}) and ggml's search for a
 * block's scale on it, {@code quantize_row_iq4_nl_impl} without importance matrix and with
 * {@code ntry = 7}, the path {@code ggml_quantize_chunk} takes: weights {@code x^2}, a first
 * scale from the first value of largest magnitude, then 15 scales around it, keeping the one of
 * least weighted error. ggml's float operations in ggml's order.
 */
final class Iq4Fit {
    static final int BLOCK = 32;
    static final int[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    static final int NTRY = 7;
    /** {@link #VALUES} as bytes, for table lookups. */
    static final byte[] GRID = new byte[16];

    static {
        for (int k = 0; k < 16; k++) {
            GRID[k] = (byte) VALUES[k];
        }
    }

    private Iq4Fit() {
    }

    /**
     * ggml's {@code best_index_int8}: the index of the grid value nearest to {@code v}, the upper
     * one on an exact tie, 15 for NaN; found by bisection as ggml finds it.
     */
    static int bestIndex(float v) {
        if (v <= VALUES[0]) {
            return 0;
        }
        if (v >= VALUES[15]) {
            return 15;
        }
        int lo = 0;
        int hi = 15;
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (v < VALUES[mid]) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return v - VALUES[hi - 1] < VALUES[hi] - v ? hi - 1 : hi;
    }

    /** Fits the {@code blocks} blocks of 32 from {@code x[o]} on; their scales go to {@code scales} from {@code s0}. */
    static void fit(float[] x, int o, int blocks, float[] scales, int s0) {
        for (int b = 0; b < blocks; b++) {
            scales[s0 + b] = fitBlock(x, o + b * BLOCK);
        }
    }

    private static float fitBlock(float[] x, int o) {
        float max = Scan.signedMax(x, o, BLOCK);
        if (Math.abs(max) < 1e-15f) {
            return 0;
        }
        float[] sums = new float[2];
        weigh(x, o, 1 / (-max / VALUES[0]), sums);
        float d = sums[1] > 0 ? sums[0] / sums[1] : 0;
        float best = d * sums[0];
        for (int t = -NTRY; t <= NTRY; t++) {
            weigh(x, o, (t + VALUES[0]) / max, sums);
            if (sums[1] > 0 && sums[0] * sums[0] > best * sums[1]) {
                d = sums[0] / sums[1];
                best = d * sums[0];
            }
        }
        return d;
    }

    /**
     * For the grid values q of {@code id * x}: {@code sums[0] = sum(w*q*x)} and
     * {@code sums[1] = sum(w*q*q)}, weights {@code w = x^2}.
     */
    private static void weigh(float[] x, int o, float id, float[] sums) {
        float sumQX = 0;
        float sumQ2 = 0;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[o + j];
            float q = VALUES[bestIndex(id * v)];
            float w = v * v;
            sumQX += w * q * v;
            sumQ2 += w * q * q;
        }
        sums[0] = sumQX;
        sums[1] = sumQ2;
    }
}
