package dev.requant.kernels.bnb;

/**
 * The two 4-bit code tables of bitsandbytes ({@code get_4bit_type}), indexed by the stored nibble.
 * NF4 lists its levels in ascending order; FP4 is bitsandbytes' own sign-magnitude format (bit 3
 * the sign, so code 8 is -0), not OCP's E2M1, and is the raw table divided by its largest
 * magnitude, 12, in f32.
 */
public enum FourBitCode {
    NF4(new float[] {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f}),
    FP4(divided(new float[] {0, 0.0625f, 8, 12, 4, 6, 2, 3, -0.0f, -0.0625f, -8, -12, -4, -6, -2, -3}, 12));

    private final float[] values;

    FourBitCode(float[] values) {
        this.values = values;
    }

    /** The value of a code, 0 to 15. */
    public float value(int code) {
        return values[code];
    }

    /** The 16 values, a copy. */
    public float[] levels() {
        return values.clone();
    }

    private static float[] divided(float[] raw, float by) {
        float[] v = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            v[i] = raw[i] / by;
        }
        return v;
    }
}
