package dev.requant.kernels.internal.ggml;

/**
 * The pass over a block's values that finishes it once its scales are stored: a level per value
 * against the stored scale (K-quants) or a grid index (IQ4). The scalar reference's pass
 * ({@link #SCALAR}) and the lane-wise one ({@link VectorLevelPass}) give the same bytes.
 */
interface LevelPass {
    LevelPass SCALAR = new LevelPass() {
        @Override
        public void levels(float[] x, int o, int n, float add, float div, int lo, int hi, int off, byte[] levels,
                int at) {
            for (int i = 0; i < n; i++) {
                levels[at + i] = (byte) (Math.clamp(CFloat.nearestInt((x[o + i] + add) / div), lo, hi) + off);
            }
        }

        @Override
        public void gridIndexes(float[] x, int o, float id, byte[] b, int at) {
            for (int j = 0; j < 16; j++) {
                b[at + j] = (byte) (Iq4Fit.bestIndex(id * x[o + j]) | Iq4Fit.bestIndex(id * x[o + 16 + j]) << 4);
            }
        }
    };

    /**
     * {@code levels[at+i] = clamp(nearest_int((x[o+i] + add) / div), lo, hi) + off} for {@code n}
     * values, n a multiple of 16. A format that divides without adding passes {@code add = -0f},
     * which leaves every float as it is.
     */
    void levels(float[] x, int o, int n, float add, float div, int lo, int hi, int off, byte[] levels, int at);

    /**
     * The 16 bytes at {@code b[at]} of the grid indexes ({@link Iq4Fit#bestIndex}) of
     * {@code id * x} for the 32 values from {@code x[o]}: value j in the low nibble of byte j,
     * value j+16 in the high one.
     */
    void gridIndexes(float[] x, int o, float id, byte[] b, int at);
}
