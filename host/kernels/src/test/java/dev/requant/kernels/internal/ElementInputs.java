package dev.requant.kernels.internal;

import java.util.SplittableRandom;

/** Values that probe every branch of the element conversions. */
final class ElementInputs {
    private ElementInputs() {
    }

    /** Every 16-bit pattern, in order. */
    static short[] all16() {
        short[] h = new short[1 << 16];
        for (int i = 0; i < h.length; i++) {
            h[i] = (short) i;
        }
        return h;
    }

    /**
     * f32 values for narrowing: for every f16 value the f32 halfway to the next one and its two
     * neighbours (ties to even, overflow at 65520, the subnormal steps), bf16 halfway points,
     * signed zeros, infinities, NaNs with payloads, f32 subnormals and random bit patterns.
     */
    static float[] narrowing(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int randoms = 1 << 16;
        float[] v = new float[3 * 0x7C00 * 2 + 3 * 4096 + randoms];
        int n = 0;
        for (int h = 0; h < 0x7C00; h++) {
            float lo = Float.float16ToFloat((short) h);
            float hi = h == 0x7BFF ? 65536f : Float.float16ToFloat((short) (h + 1));
            int mid = Float.floatToRawIntBits((lo + hi) / 2); // exact: one more bit than f16 needs
            for (int d = -1; d <= 1; d++) {
                float f = Float.intBitsToFloat(mid + d);
                v[n++] = f;
                v[n++] = -f;
            }
        }
        for (int i = 0; i < 4096; i++) {
            int halfway = rnd.nextInt() & 0xFFFF0000 | 0x8000; // bf16 ties, NaNs and infinities included
            v[n++] = Float.intBitsToFloat(halfway - 1);
            v[n++] = Float.intBitsToFloat(halfway);
            v[n++] = Float.intBitsToFloat(halfway + 1);
        }
        while (n < v.length) {
            v[n++] = Float.intBitsToFloat(rnd.nextInt());
        }
        float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFBFFFFF), Float.intBitsToFloat(0x7FC0FFFF),
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 65504f, 65519.998f,
            65520f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x1p-14f, 0x1.ffcp-15f};
        System.arraycopy(specials, 0, v, 0, specials.length);
        return v;
    }

    /** f64 values for narrowing to f32: random bits, f32 rounding ties, specials. */
    static double[] doubles(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[1 << 15];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (i % 3) {
                case 0 -> Double.longBitsToDouble(rnd.nextLong());
                case 1 -> Double.longBitsToDouble(Double.doubleToRawLongBits(rnd.nextGaussian()) & ~0x1FFFFFFFL
                        | 0x10000000L); // halfway between two floats
                default -> rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-160, 140));
            };
        }
        double[] specials = {0d, -0d, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Double.longBitsToDouble(0x7FF0000000000001L), Double.longBitsToDouble(0xFFF8000012345678L),
            Double.MIN_VALUE, Float.MAX_VALUE, Math.nextUp((double) Float.MAX_VALUE), Float.MIN_VALUE,
            Float.MIN_VALUE / 2, Double.MAX_VALUE};
        System.arraycopy(specials, 0, v, 0, specials.length);
        return v;
    }
}
