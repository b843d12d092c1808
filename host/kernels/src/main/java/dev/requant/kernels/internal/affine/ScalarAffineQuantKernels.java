package dev.requant.kernels.internal.affine;

import dev.requant.kernels.affine.AffineQuantKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar reference of {@link AffineQuantKernels}. */
public final class ScalarAffineQuantKernels implements AffineQuantKernels {
    public static final ScalarAffineQuantKernels INSTANCE = new ScalarAffineQuantKernels();

    private ScalarAffineQuantKernels() {
    }

    @Override
    public void quantizeRows(float[] src, int offset, int rows, int rowLength, int groupSize, int bits,
                             MemorySegment packed, long packedOffset, float[] scales, float[] biases, int groupOffset) {
        check(rowLength, groupSize, bits);
        int groups = rowLength / groupSize;
        float bins = (1 << bits) - 1;
        int[] codes = new int[rowLength];
        for (int r = 0; r < rows; r++) {
            int row = offset + r * rowLength;
            for (int g = 0; g < groups; g++) {
                int from = row + g * groupSize;
                float min = Float.MAX_VALUE;
                float max = 0f;
                for (int i = 0; i < groupSize; i++) {
                    min = Math.min(min, src[from + i]);
                    max = Math.max(max, src[from + i]);
                }
                int at = groupOffset + r * groups + g;
                params(min, max, bins, scales, biases, at);
                for (int i = 0; i < groupSize; i++) {
                    codes[g * groupSize + i] = code((src[from + i] - biases[at]) / scales[at], bins);
                }
            }
            packRow(codes, bits, packed, packedOffset + (long) r * rowLength * bits / 8);
        }
    }

    static void check(int rowLength, int groupSize, int bits) {
        if (bits < 1 || bits > 8 || groupSize <= 0 || rowLength % groupSize != 0 || rowLength * bits % 8 != 0) {
            throw new IllegalArgumentException("rows of " + rowLength + " values do not split into groups of "
                    + groupSize + " and whole bytes of " + bits + "-bit codes");
        }
    }

    /** The group's scale and bias from its minimum and its maximum (taken with 0). */
    static void params(float min, float max, float bins, float[] scales, float[] biases, int at) {
        float scale = Math.max((max - min) / bins, 1e-7f);
        boolean side = Math.abs(min) > Math.abs(max);
        scale = side ? scale : -scale;
        float edge = side ? min : max;
        float q0 = roundHalfAway(edge / scale);
        boolean atZero = q0 == 0.0f;
        scales[at] = atZero ? scale : edge / q0;
        biases[at] = atZero ? 0f : edge;
    }

    /** Metal's {@code round}: to the nearest integer, halves away from zero. */
    static float roundHalfAway(float v) {
        float a = Math.abs(v);
        float t = (float) Math.floor(a);
        return Math.copySign(a - t >= 0.5f ? t + 1 : t, v);
    }

    /**
     * {@code min(round(v), bins)} as an unsigned code. {@code v} is never below 0 but for a -0 or
     * a NaN (both give 0): the scale's sign is chosen so.
     */
    static int code(float v, float bins) {
        if (!(v >= 0)) {
            return 0;
        }
        float a = Math.min(v, 256f);
        int t = (int) a;
        int r = a - t >= 0.5f ? t + 1 : t;
        return Math.min(r, (int) bins);
    }

    /** Codes as one little-endian bit stream. */
    static void packRow(int[] codes, int bits, MemorySegment dst, long at) {
        long acc = 0;
        int filled = 0;
        long out = at;
        for (int c : codes) {
            acc |= (long) c << filled;
            filled += bits;
            while (filled >= 8) {
                dst.set(ValueLayout.JAVA_BYTE, out++, (byte) acc);
                acc >>>= 8;
                filled -= 8;
            }
        }
    }
}
