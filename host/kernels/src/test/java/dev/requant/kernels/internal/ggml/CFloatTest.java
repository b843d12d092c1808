package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The C conversions the quantizers mirror, on the values where they differ from Java's. */
class CFloatTest {
    @Test
    void truncationGivesTheIntegerIndefiniteOutOfRange() {
        assertThat(CFloat.cvtt(15.99f)).isEqualTo(15);
        assertThat(CFloat.cvtt(-15.99f)).isEqualTo(-15);
        assertThat(CFloat.cvtt(Float.POSITIVE_INFINITY)).isEqualTo(Integer.MIN_VALUE);
        assertThat(CFloat.cvtt(Float.NEGATIVE_INFINITY)).isEqualTo(Integer.MIN_VALUE);
        assertThat(CFloat.cvtt(Float.NaN)).isEqualTo(Integer.MIN_VALUE);
        assertThat(CFloat.cvtt(0x1p31f)).isEqualTo(Integer.MIN_VALUE);
        assertThat(CFloat.cvtt(-0x1p31f)).isEqualTo(Integer.MIN_VALUE);
        assertThat(CFloat.cvtt(0x1p31f - 128)).isEqualTo(Integer.MAX_VALUE - 127);
        // the low byte, all that an int8_t or uint8_t keeps, is 0 where Java's cast gives 0xFF
        assertThat((byte) CFloat.cvtt(Float.POSITIVE_INFINITY)).isZero();
    }

    @Test
    void roundfTakesHalvesAwayFromZero() {
        assertThat(CFloat.roundf(2.5f)).isEqualTo(3f);
        assertThat(CFloat.roundf(-2.5f)).isEqualTo(-3f);
        assertThat(CFloat.roundf(0.5f)).isEqualTo(1f);
        assertThat(CFloat.roundf(-0.5f)).isEqualTo(-1f);
        assertThat(CFloat.roundf(0.49999997f)).isEqualTo(0f);
        assertThat(CFloat.roundf(-1.4999999f)).isEqualTo(-1f);
        assertThat(CFloat.roundf(8388607.5f)).isEqualTo(8388608f);
        assertThat(Float.floatToRawIntBits(CFloat.roundf(-0.25f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(CFloat.roundf(1e30f)).isEqualTo(1e30f);
        assertThat(CFloat.roundf(Float.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(CFloat.roundf(Float.NaN)).isNaN();
    }

    @Test
    void nearestIntRoundsHalvesToEvenAndKeepsGgmlsBitsBeyond2To22() {
        assertThat(CFloat.nearestInt(2.5f)).isEqualTo(2);
        assertThat(CFloat.nearestInt(3.5f)).isEqualTo(4);
        assertThat(CFloat.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(CFloat.nearestInt(-0.5f)).isZero();
        assertThat(CFloat.nearestInt(-0f)).isZero();
        assertThat(CFloat.nearestInt(4194303f)).isEqualTo(4194303);
        assertThat(CFloat.nearestInt(-4194303f)).isEqualTo(-4194303);
        // past ggml's assert (compiled out): 1.5*2^23 + 2^22 has mantissa 0, so the result wraps
        assertThat(CFloat.nearestInt(4194304f)).isEqualTo(-4194304);
        assertThat(CFloat.nearestInt(1e9f)).isEqualTo((Float.floatToRawIntBits(1e9f + 12582912f) & 0x7FFFFF) - 0x400000)
                .isNotEqualTo(1_000_000_000);
        // NaN: the low mantissa bits of the NaN, less 2^22
        assertThat(CFloat.nearestInt(Float.intBitsToFloat(0x7FC00007))).isEqualTo(7);
        assertThat(CFloat.nearestInt(Float.NEGATIVE_INFINITY)).isEqualTo(-0x400000);
    }

    @Test
    void lroundfTakesHalvesAwayFromZeroAndGivesLongMinOutOfRange() {
        assertThat(CFloat.lroundf(0.5f)).isEqualTo(1L);
        assertThat(CFloat.lroundf(-0.5f)).isEqualTo(-1L);
        assertThat(CFloat.lroundf(0.49999997f)).isZero();
        assertThat(CFloat.lroundf(-1.5f)).isEqualTo(-2L);
        assertThat(CFloat.lroundf(0x1p40f)).isEqualTo(1L << 40);
        assertThat(CFloat.lroundf(-0x1p63f)).isEqualTo(Long.MIN_VALUE);
        assertThat(CFloat.lroundf(0x1p63f)).isEqualTo(Long.MIN_VALUE);
        assertThat(CFloat.lroundf(Float.POSITIVE_INFINITY)).isEqualTo(Long.MIN_VALUE);
        assertThat(CFloat.lroundf(Float.NaN)).isEqualTo(Long.MIN_VALUE);
        // ggml stores lroundf(x) + 1 in an int: the low 32 bits of LONG_MIN + 1
        assertThat((int) (CFloat.lroundf(Float.NaN) + 1)).isEqualTo(1);
    }
}
