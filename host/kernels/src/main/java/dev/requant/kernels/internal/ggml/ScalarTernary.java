package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * TQ1_0 and TQ2_0 as {@code quantize_row_tq*_ref} and {@code dequantize_row_tq*}: 256 values,
 * an f16 scale {@code d = max|x|} (C's {@code MAX} from 0, so a NaN survives only as the last
 * value) and one ternary level per value, {@code lroundf(x/d) + 1} (0, 1, 2 for -1, 0, 1),
 * packed as each type packs them. A value is {@code (q-1)*d}.
 */
abstract class ScalarTernary extends AbstractBlockCodec {
    private final int scaleAt;

    ScalarTernary(GgmlType type) {
        super(type);
        this.scaleAt = type.typeSize() - 2;
    }

    @Override
    final void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = Scan.maxMagnitude(x, o, 256);
        float id = d != 0 ? 1 / d : 0;
        int[] levels = new int[256];
        for (int i = 0; i < 256; i++) {
            levels[i] = (int) (CFloat.lroundf(x[o + i] * id) + 1);
        }
        Blocks.write(pack(levels, d), y, p);
    }

    /**
     * The block of these levels (as ggml keeps them, in an {@code int}: 0, 1 or 2 unless the
     * values were not finite) and this scale.
     */
    final byte[] pack(int[] levels, float d) {
        byte[] b = new byte[type().typeSize()];
        packLevels(levels, b);
        Blocks.putF16(b, scaleAt, d);
        return b;
    }

    /** Packs the 256 levels into the block's bytes before its scale, with ggml's uint8 arithmetic. */
    abstract void packLevels(int[] levels, byte[] b);

    /** The scale of the block's bytes. */
    final float scale(byte[] b) {
        return Blocks.f16(b, scaleAt);
    }

    /** The 256 levels less one (-1, 0, 1) of the block's bytes. */
    abstract void unpack(byte[] b, byte[] values);

    @Override
    final void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, type().typeSize());
        float d = scale(b);
        byte[] values = new byte[256];
        unpack(b, values);
        for (int i = 0; i < 256; i++) {
            y[o + i] = (float) values[i] * d;
        }
    }
}
