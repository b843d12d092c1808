package dev.requant.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scalar conversions keep ggml's semantics at the edges: rounding, overflow, NaN. */
class FpTest {
    @Test
    void f32ToF16RoundsToNearestEvenAndCanonicalisesNaN() {
        assertThat(f16(65504f)).isEqualTo(0x7BFF);
        assertThat(f16(Math.nextDown(65520f))).isEqualTo(0x7BFF);
        assertThat(f16(65520f)).isEqualTo(0x7C00);
        assertThat(f16(Float.NEGATIVE_INFINITY)).isEqualTo(0xFC00);
        assertThat(f16(-0f)).isEqualTo(0x8000);
        assertThat(f16(0x1p-25f)).isEqualTo(0x0000);
        assertThat(f16(Math.nextUp(0x1p-25f))).isEqualTo(0x0001);
        assertThat(f16(0x3p-25f)).isEqualTo(0x0002);
        assertThat(f16(Float.intBitsToFloat(0x7F800001))).isEqualTo(0x7E00);
        assertThat(f16(Float.intBitsToFloat(0xFFC12345))).isEqualTo(0xFE00);
    }

    @Test
    void f16ToF32IsExactAndQuietsNaN() {
        assertThat(Fp.f16ToF32((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Fp.f16ToF32((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float.floatToRawIntBits(Fp.f16ToF32((short) 0x8000))).isEqualTo(0x80000000);
        assertThat(Fp.f16ToF32((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(Fp.f16ToF32((short) 0x7C01))).isEqualTo(0x7FC02000);
        assertThat(Float.floatToRawIntBits(Fp.f16ToF32((short) 0xFE00))).isEqualTo(0xFFC00000);
    }

    @Test
    void f32ToBf16RoundsToNearestEvenAndQuietsNaN() {
        assertThat(bf16(Float.intBitsToFloat(0x3F808000))).isEqualTo(0x3F80);
        assertThat(bf16(Float.intBitsToFloat(0x3F818000))).isEqualTo(0x3F82);
        assertThat(bf16(Float.intBitsToFloat(0x3F808001))).isEqualTo(0x3F81);
        assertThat(bf16(Float.MAX_VALUE)).isEqualTo(0x7F80);
        assertThat(bf16(Float.MIN_VALUE)).isEqualTo(0x0000);
        assertThat(bf16(Float.intBitsToFloat(0x7F800001))).isEqualTo(0x7FC0);
        assertThat(bf16(Float.intBitsToFloat(0xFF810000))).isEqualTo(0xFFC1);
    }

    @Test
    void f8Decodes() {
        assertThat(Fp.f8e4m3ToF32((byte) 0x7E)).isEqualTo(448f);
        assertThat(Fp.f8e4m3ToF32((byte) 0xFE)).isEqualTo(-448f);
        assertThat(Fp.f8e4m3ToF32((byte) 0x7F)).isNaN();
        assertThat(Fp.f8e4m3ToF32((byte) 0xFF)).isNaN();
        assertThat(Fp.f8e4m3ToF32((byte) 0x08)).isEqualTo(0x1p-6f);
        assertThat(Fp.f8e4m3ToF32((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(Float.floatToRawIntBits(Fp.f8e4m3ToF32((byte) 0x80))).isEqualTo(0x80000000);
        assertThat(Fp.f8e5m2ToF32((byte) 0x7B)).isEqualTo(57344f);
        assertThat(Fp.f8e5m2ToF32((byte) 0xFC)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(Fp.f8e5m2ToF32((byte) 0x7D))).isEqualTo(0x7FE00000);
    }

    private static int f16(float f) {
        return Fp.f32ToF16(f) & 0xFFFF;
    }

    private static int bf16(float f) {
        return Fp.f32ToBf16(f) & 0xFFFF;
    }
}
