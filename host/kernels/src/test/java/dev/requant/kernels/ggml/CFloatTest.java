package dev.requant.kernels.ggml;

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
}
