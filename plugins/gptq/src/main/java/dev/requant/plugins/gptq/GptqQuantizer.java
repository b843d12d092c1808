package dev.requant.plugins.gptq;

/**
 * Round-to-nearest GPTQ quantization of one group, with the scale and zero point GPTQModel's
 * {@code Quantizer.find_params} gives (no mse search, no calibration): the range is widened to
 * contain 0; symmetric ranges are mirrored around 0 and take the zero point {@code (maxq+1)/2};
 * an all-zero group takes the range [-1, 1]; {@code scale = (xmax - xmin) / maxq} and the
 * asymmetric zero point is {@code round(-xmin / scale)}. Codes are
 * {@code clamp(round(x / scale) + zero, 0, maxq)}, rounding half to even as torch does, all in f32.
 */
final class GptqQuantizer {
    private GptqQuantizer() {
    }

    /** The f32 scale of {@code count} values from {@code offset}; see {@link #zero}. */
    static float scale(float[] x, int offset, int count, int maxq, boolean sym) {
        float[] range = range(x, offset, count, sym);
        return (range[1] - range[0]) / maxq;
    }

    /** The zero point that goes with {@link #scale} for the same values. */
    static int zero(float[] x, int offset, int count, int maxq, boolean sym, float scale) {
        if (sym) {
            return (maxq + 1) / 2;
        }
        float[] range = range(x, offset, count, false);
        return (int) Math.rint(-range[0] / scale);
    }

    /** {@code codes[codesOffset + i]} for the {@code count} values from {@code offset}. */
    static void quantize(float[] x, int offset, int count, float scale, int zero, int maxq, int[] codes,
                         int codesOffset) {
        for (int i = 0; i < count; i++) {
            float q = (float) Math.rint(x[offset + i] / scale) + zero;
            codes[codesOffset + i] = (int) Math.min(Math.max(q, 0f), maxq);
        }
    }

    private static float[] range(float[] x, int offset, int count, boolean sym) {
        float min = 0;
        float max = 0;
        for (int i = 0; i < count; i++) {
            min = Math.min(min, x[offset + i]);
            max = Math.max(max, x[offset + i]);
        }
        if (sym) {
            max = Math.max(-min, max);
            if (min < 0) {
                min = -max;
            }
        }
        if (min == 0 && max == 0) {
            min = -1;
            max = 1;
        }
        return new float[] {min, max};
    }
}
