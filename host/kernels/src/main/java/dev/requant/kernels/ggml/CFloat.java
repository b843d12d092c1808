package dev.requant.kernels.ggml;

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
}
