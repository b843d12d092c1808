package dev.requant.kernels.internal.ggml;

/**
 * The Vector API twin of {@link ScalarIq4Nl}: the blocks' searches with one lane per block
 * ({@link Iq4Lanes}), the grid indexes lane-wise, the decoder by table lookup.
 */
final class VectorIq4Nl extends LaneFitCodec {
    static final VectorIq4Nl INSTANCE = new VectorIq4Nl();

    private VectorIq4Nl() {
        super(ScalarIq4Nl.INSTANCE);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Iq4Lanes.fit(x, o, count, fits.scales, 0);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 0);
        byte[] q = new byte[32];
        BlockVectors.lookupNibbles(Iq4Fit.GRID, b, 2, q, 0);
        BlockVectors.scale16(q, 0, d, 0f, y, o);
        BlockVectors.scale16(q, 16, d, 0f, y, o + 16);
    }
}
