package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * IQ4_XS as {@code quantize_iq4_xs} ({@code ntry = 7}) and {@code dequantize_row_iq4_xs}: 256
 * values in 8 blocks of 32, each fitted with a scale ({@link Iq4Fit}); the scales become 6-bit
 * codes of one f16 super-scale and the values nibble indexes into the grid against the unrounded
 * product. Bytes: {@code d}, {@code scales_h} (u16, bits {@code 2ib} hold the code's top two
 * bits), {@code scales_l[4]} (low four bits, block ib in nibble {@code ib%2} of byte
 * {@code ib/2}), {@code qs[128]} (16 bytes per block in the Q4_0 layout). A value is
 * {@code d*(code-32)*grid[nibble]}.
 */
final class ScalarIq4Xs extends GroupFitCodec {
    static final ScalarIq4Xs INSTANCE = new ScalarIq4Xs();

    static final int BLOCKS = 8;
    private static final int BYTES = 136;

    private ScalarIq4Xs() {
        super(GgmlType.IQ4_XS, BLOCKS, Iq4Fit.BLOCK, 0);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Iq4Fit.fit(x, o, count, fits.scales, 0);
    }

    @Override
    void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass) {
        float[] idl = new float[BLOCKS];
        byte[] b = header(fits.scales, g0, idl);
        for (int ib = 0; ib < BLOCKS; ib++) {
            pass.gridIndexes(x, o + 32 * ib, idl[ib], b, 8 + 16 * ib);
        }
        Blocks.write(b, y, p);
    }

    /**
     * A block with its super-scale and 6-bit codes from the blocks' fitted scales (from
     * {@code s0}), its nibbles left to the caller; {@code idl[ib]} gets what ggml scales block
     * ib's values by to index the grid: the inverse of {@code d*(code-32)} with the unrounded d.
     */
    static byte[] header(float[] scales, int s0, float[] idl) {
        byte[] b = new byte[BYTES];
        float d = -Scan.signedMax(scales, s0, BLOCKS) / 32;
        Blocks.putF16(b, 0, d);
        float id = d != 0 ? 1 / d : 0;
        int high = 0;
        for (int ib = 0; ib < BLOCKS; ib++) {
            int l = Math.clamp(CFloat.nearestInt(id * scales[s0 + ib]), -32, 31);
            float dl = d * l;
            idl[ib] = dl != 0 ? 1 / dl : 0;
            b[4 + ib / 2] |= (byte) (((l + 32) & 0xF) << 4 * (ib % 2));
            high |= ((l + 32) >> 4) << 2 * ib;
        }
        b[2] = (byte) high;
        b[3] = (byte) (high >>> 8);
        return b;
    }

    static int code(byte[] b, int ib) {
        return (Blocks.u8(b, 4 + ib / 2) >> 4 * (ib % 2)) & 0xF | ((Blocks.u8(b, 2) | Blocks.u8(b, 3) << 8) >> 2 * ib & 3) << 4;
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 0);
        for (int ib = 0; ib < BLOCKS; ib++) {
            float dl = d * (code(b, ib) - 32);
            for (int j = 0; j < 16; j++) {
                y[o + 32 * ib + j] = dl * Iq4Fit.VALUES[b[8 + 16 * ib + j] & 0xF];
                y[o + 32 * ib + 16 + j] = dl * Iq4Fit.VALUES[Blocks.u8(b, 8 + 16 * ib + j) >> 4];
            }
        }
    }
}
