package dev.requant.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

/** Bit-exact comparisons that name the first element that differs. */
public final class Bits {
    private Bits() {
    }

    public static void assertSameBits(float[] expected, float[] actual, String what) {
        assertThat(actual).as(what + ": length").hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[i]);
            if (e != a) {
                assertThat(String.format("%08x (%s)", a, actual[i]))
                        .as("%s: element %d", what, i)
                        .isEqualTo(String.format("%08x (%s)", e, expected[i]));
            }
        }
    }

    public static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        int i = Arrays.mismatch(expected, actual);
        if (i >= 0) {
            assertThat(i < actual.length ? String.format("%02x", actual[i]) : "<end>")
                    .as("%s: byte %d (of %d)", what, i, expected.length)
                    .isEqualTo(i < expected.length ? String.format("%02x", expected[i]) : "<end>");
        }
    }
}
