package dev.requant.plugins.bnb;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The mean of f32 values added from several threads in any order, always the same f32: the sum is
 * kept exactly (integer significands per binary exponent), rounded to f32 once, then divided by
 * the count in f32. That is torch's {@code mean} of an f32 tensor ({@code sum / n}) whenever torch's
 * own f32 summation gives the correctly rounded sum; its cascade order depends on the CPU's vector
 * width (and CUDA's on the launch), so no fixed order would match it everywhere.
 */
final class ExactMean {
    /** Significands (at most 2^24 each) by biased exponent; 2^39 values before a bucket could overflow. */
    private final long[] buckets = new long[256];
    private long count;
    private boolean nan;
    private boolean infinite;

    /** Adds {@code values[from, from + n)}, all non-negative (absmax values). */
    synchronized void add(float[] values, int from, int n) {
        for (int i = 0; i < n; i++) {
            float v = values[from + i];
            if (Float.isNaN(v) || v < 0) {
                nan = true;
            } else if (Float.isInfinite(v)) {
                infinite = true;
            } else {
                int bits = Float.floatToRawIntBits(v);
                int exponent = bits >>> 23;
                int significand = bits & 0x7FFFFF;
                buckets[Math.max(exponent, 1)] += exponent == 0 ? significand : significand | 0x800000;
            }
        }
        count += n;
    }

    /** The mean of everything added. */
    synchronized float mean() {
        if (nan) {
            return Float.NaN;
        }
        if (infinite) {
            return Float.POSITIVE_INFINITY;
        }
        BigInteger sum = BigInteger.ZERO;
        for (int e = buckets.length - 1; e >= 1; e--) {
            sum = sum.add(BigInteger.valueOf(buckets[e]).shiftLeft(e - 1));
        }
        // a significand in bucket e counts 2^(e - 150): shifted by e - 1 above, so scale by 2^-149
        float total = Float.parseFloat(new BigDecimal(sum).multiply(BigDecimal.ONE.divide(
                new BigDecimal(BigInteger.TWO.pow(149)))).toString());
        return total / count;
    }
}
