package dev.requant.kernels.internal.ggml;

/**
 * The Vector API twin of {@link ScalarIq4Xs}: the blocks' searches with one lane per block of
 * 32 ({@link Iq4Lanes}), the super-scale as the reference makes it, the grid indexes lane-wise,
 * the decoder by table lookup.
 */
final class VectorIq4Xs extends LaneFitCodec {
    static final VectorIq4Xs INSTANCE = new VectorIq4Xs();

    private static final int BLOCKS = ScalarIq4Xs.BLOCKS;

    private VectorIq4Xs() {
        super(ScalarIq4Xs.INSTANCE);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Iq4Lanes.fit(x, o, count, fits.scales, 0);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 0);
        byte[] q = new byte[32];
        for (int ib = 0; ib < BLOCKS; ib++) {
            float dl = d * (ScalarIq4Xs.code(b, ib) - 32);
            BlockVectors.lookupNibbles(Iq4Fit.GRID, b, 8 + 16 * ib, q, 0);
            BlockVectors.scale16(q, 0, dl, 0f, y, o + 32 * ib);
            BlockVectors.scale16(q, 16, dl, 0f, y, o + 32 * ib + 16);
        }
    }
}
