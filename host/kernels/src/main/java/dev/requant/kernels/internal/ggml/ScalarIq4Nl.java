package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL as {@code ggml_quantize_chunk} makes it ({@code quantize_iq4_nl}, which searches with
 * {@code ntry = 7}; {@code quantize_row_iq4_nl_ref} does not) and {@code dequantize_row_iq4_nl}:
 * 32 values, the f16 scale of {@link Iq4Fit} and nibble indexes into the grid in the Q4_0 layout.
 * A value is {@code d * grid[nibble]}.
 */
final class ScalarIq4Nl extends GroupFitCodec {
    static final ScalarIq4Nl INSTANCE = new ScalarIq4Nl();

    private static final int BYTES = 18;

    private ScalarIq4Nl() {
        super(GgmlType.IQ4_NL, 1, Iq4Fit.BLOCK, 0);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Iq4Fit.fit(x, o, count, fits.scales, 0);
    }

    /** Indexes against the unrounded scale. */
    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        float scale = fits.scales[g0];
        byte[] b = new byte[BYTES];
        Blocks.putF16(b, 0, scale);
        pass.gridIndexes(x, o, scale != 0 ? 1 / scale : 0, b, 2);
        Blocks.write(b, y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 0);
        for (int j = 0; j < 16; j++) {
            y[o + j] = d * Iq4Fit.VALUES[b[2 + j] & 0xF];
            y[o + 16 + j] = d * Iq4Fit.VALUES[Blocks.u8(b, 2 + j) >> 4];
        }
    }
}
