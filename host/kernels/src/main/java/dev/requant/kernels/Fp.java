package dev.requant.kernels;

/** Scalar float conversions with ggml's exact semantics; the reference for every vector kernel. */
public final class Fp {
    private static final float[] F8_E4M3 = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            F8_E4M3[b] = decodeE4M3(b);
        }
    }

    private Fp() {
    }

    /**
     * f16 bits to f32 (exact) as {@code ggml_compute_fp16_to_fp32}: a NaN keeps its sign and
     * payload and comes out quiet.
     */
    public static float f16ToF32(short h) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) {
            // spelled out: whether Float.float16ToFloat quiets a signaling NaN depends on the platform
            return Float.intBitsToFloat(((h & 0x8000) << 16) | 0x7FC00000 | ((h & 0x03FF) << 13));
        }
        return Float.float16ToFloat(h);
    }

    /** f32 to f16 bits as {@code ggml_compute_fp32_to_fp16}: RNE, NaN to {@code 0x7E00|sign}. */
    public static short f32ToF16(float f) {
        if (Float.isNaN(f)) {
            return (short) (0x7E00 | ((Float.floatToRawIntBits(f) >>> 16) & 0x8000));
        }
        return Float.floatToFloat16(f);
    }

    /** bf16 bits to f32 (exact). */
    public static float bf16ToF32(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** f32 to bf16 bits as {@code ggml_compute_fp32_to_bf16}: RNE, NaN quieted, no flush to zero. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7FFF + ((bits >>> 16) & 1))) >>> 16);
    }

    /** OCP FP8 E4M3 ("fn": no infinities, S.1111.111 is NaN) to f32. */
    public static float f8e4m3ToF32(byte b) {
        return F8_E4M3[b & 0xFF];
    }

    /** OCP FP8 E5M2 to f32: it is the upper byte of an f16. */
    public static float f8e5m2ToF32(byte b) {
        return f16ToF32((short) ((b & 0xFF) << 8));
    }

    private static float decodeE4M3(int b) {
        int sign = (b & 0x80) != 0 ? -1 : 1;
        int exp = (b >>> 3) & 0xF;
        int man = b & 0x7;
        if (exp == 0xF && man == 0x7) {
            return Float.NaN;
        }
        float mag = exp == 0 ? Math.scalb((float) man, -9) : Math.scalb((float) (8 + man), exp - 10);
        return sign * mag;
    }
}
