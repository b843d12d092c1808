package dev.requant.plugins.bnb;

/**
 * bitsandbytes' signed "dynamic" 8-bit map ({@code create_dynamic_map(signed=True)}), the
 * {@code nested_quant_map} of double quantization: for {@code i} in 0..6, the midpoints of
 * {@code 2^i + 1} points from 0.1 to 1, times {@code 10^(i-6)}, with both signs; then 0 and 1;
 * sorted. Built in f32 as torch builds it, so the map is bitsandbytes' bit for bit: torch's
 * {@code linspace} computes the first half of its points as {@code start + step * k} and the second
 * as {@code end - step * (n - 1 - k)}, each with one rounding (a fused multiply-add), and the
 * power of ten is cast to f32 before the product.
 */
final class DynamicMap {
    private static final float[] MAP = build();

    private DynamicMap() {
    }

    /** The 256 values, ascending; a copy. */
    static float[] values() {
        return MAP.clone();
    }

    private static float[] build() {
        float[] data = new float[256];
        int n = 0;
        for (int i = 0; i < 7; i++) {
            float[] points = linspace(0.1f, 1f, (1 << i) + 1);
            float scale = (float) Math.pow(10, i - 6);
            for (int k = 0; k + 1 < points.length; k++) {
                float mean = (points[k] + points[k + 1]) / 2.0f;
                data[n++] = scale * mean;
                data[n++] = -scale * mean;
            }
        }
        data[n++] = 0f;
        data[n++] = 1f;
        if (n != 256) {
            throw new IllegalStateException("the dynamic map has " + n + " values");
        }
        java.util.Arrays.sort(data);
        return data;
    }

    private static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (steps - 1);
        float[] p = new float[steps];
        for (int k = 0; k < steps; k++) {
            p[k] = k < steps / 2 ? Math.fma(step, k, start) : Math.fma(-step, steps - 1 - k, end);
        }
        return p;
    }
}
