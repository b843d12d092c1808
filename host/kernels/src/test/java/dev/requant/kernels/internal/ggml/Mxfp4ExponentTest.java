package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MXFP4's shared exponent, {@code (uint8_t) (floorf(log2f(amax)) - 2 + 127)}: glibc's
 * {@code log2f} rounds to the float nearest the true logarithm, so just below a power of two a
 * large logarithm rounds up to the next integer (the values below were found by running glibc's
 * {@code log2f} over every positive float), and the byte conversion wraps.
 */
class Mxfp4ExponentTest {
    @Test
    void exponentIsTheRoundedLogarithmFloored() {
        assertThat(ScalarMxfp4.exponent(0f)).isZero();
        assertThat(ScalarMxfp4.exponent(1f)).isEqualTo(125);
        assertThat(ScalarMxfp4.exponent(12f)).isEqualTo(128);
        assertThat(ScalarMxfp4.exponent(0x1p-20f)).isEqualTo(105);
        // just below 2: log2f is 0.99999994, floor 0
        assertThat(ScalarMxfp4.exponent(Math.nextDown(2f))).isEqualTo(125);
    }

    @Test
    void largeLogarithmsJustBelowAPowerOfTwoRoundUp() {
        // 0x5fffffd4 is the least float below 2^65 whose log2f is 65
        assertThat(ScalarMxfp4.exponent(Float.intBitsToFloat(0x5FFFFFD4))).isEqualTo(65 - 2 + 127);
        assertThat(ScalarMxfp4.exponent(Float.intBitsToFloat(0x5FFFFFD3))).isEqualTo(64 - 2 + 127);
        assertThat(ScalarMxfp4.exponent(Math.nextDown(0x1p101f))).isEqualTo(101 - 2 + 127);
        assertThat(ScalarMxfp4.exponent(Math.nextDown(0x1p-20f))).isEqualTo(-20 - 2 + 127);
    }

    @Test
    void theByteWrapsForTinyMagnitudes() {
        // the largest subnormal: log2f gives -126, so -1, kept as 255
        assertThat(ScalarMxfp4.exponent(Float.intBitsToFloat(0x7FFFFF))).isEqualTo(255);
        assertThat(ScalarMxfp4.exponent(Float.MIN_VALUE)).isEqualTo((-149 - 2 + 127) & 0xFF);
        assertThat(ScalarMxfp4.exponent(Float.POSITIVE_INFINITY)).isZero();
    }

    @Test
    void halfScaleIsTwoToTheExponentLess128() {
        assertThat(ScalarMxfp4.half(0)).isEqualTo(0x1p-128f);
        assertThat(ScalarMxfp4.half(1)).isEqualTo(0x1p-127f);
        assertThat(ScalarMxfp4.half(128)).isEqualTo(1f);
        assertThat(ScalarMxfp4.half(255)).isEqualTo(0x1p127f);
    }
}
