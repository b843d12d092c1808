package dev.requant.kernels.internal.ggml;

/**
 * C's float arithmetic as ggml's reference code executes it on x86-64, where the test vectors
 * were made, where Java's differs or leaves the result open. A conversion to {@code int8_t} or
 * {@code uint8_t} is a 32-bit {@code cvttss2si} whose low byte is kept; Java's saturating
 * {@code (int)} cast differs for values outside the int range, which ggml meets when a tiny
 * block scale makes {@code 1/d} infinite.
 */
final class CFloat {
    private CFloat() {
    }

    /** Truncation toward zero; NaN and values outside the int range give {@code 0x80000000}. */
    static int cvtt(float f) {
        return f >= -0x1p31f && f < 0x1p31f ? (int) f : Integer.MIN_VALUE;
    }

    /** C {@code roundf}: the nearest integer, halves away from zero. */
    static float roundf(float f) {
        if (!(Math.abs(f) < 0x1p23f)) {
            return f; // already an integer, infinite or NaN
        }
        float t = (int) f;
        float frac = f - t; // exact below 2^23
        if (frac >= 0.5f) {
            t += 1;
        } else if (frac <= -0.5f) {
            t -= 1;
        }
        return Math.copySign(t, f);
    }

    /**
     * {@code a + b} as x86 computes it when both are NaN: the first operand's NaN. Java leaves the
     * choice to the JIT, which may swap the operands of an addition.
     */
    static float add(float a, float b) {
        return Float.isNaN(a) ? a : a + b;
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5 * 2^23 in float and reads the low mantissa bits. That
     * is round-half-even for |f| up to 2^22; beyond, ggml's release builds keep the bits the
     * addition leaves, and so does this.
     */
    static int nearestInt(float f) {
        return (Float.floatToRawIntBits(f + 12582912f) & 0x7FFFFF) - 0x400000;
    }

    /**
     * glibc's {@code lroundf} on x86-64: halves away from zero; NaN, infinities and magnitudes
     * from 2^63 on give {@code LONG_MIN}, the result of the {@code cvttss2si} it falls back to.
     */
    static long lroundf(float f) {
        return Math.abs(f) < 0x1p63f ? (long) roundf(f) : Long.MIN_VALUE;
    }
}
