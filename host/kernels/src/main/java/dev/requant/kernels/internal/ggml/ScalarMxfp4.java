package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * MXFP4 as {@code quantize_row_mxfp4_ref} and {@code dequantize_row_mxfp4}: 32 values, an E8M0
 * exponent {@code e = floor(log2(max|x|)) - 2 + 127} and nibble indexes into the doubled E2M1
 * grid ({@code kvalues_mxfp4}) in the Q4_0 layout, each the first of least
 * {@code |grid*d - x|} for {@code d = 2^(e-128)}. Bytes: {@code e}, {@code qs[16]}. A value is
 * {@code grid[nibble] * d}.
 */
final class ScalarMxfp4 extends AbstractBlockCodec {
    static final ScalarMxfp4 INSTANCE = new ScalarMxfp4();

    static final int[] VALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
    /** {@link #VALUES} as bytes, for table lookups. */
    static final byte[] GRID = new byte[16];

    static {
        for (int k = 0; k < 16; k++) {
            GRID[k] = (byte) VALUES[k];
        }
    }

    private static final int BYTES = 17;
    private static final double LN2 = StrictMath.log(2);

    private ScalarMxfp4() {
        super(GgmlType.MXFP4);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        int e = exponent(Math.abs(Scan.signedMax(x, o, 32)));
        float d = half(e);
        byte[] b = new byte[BYTES];
        b[0] = (byte) e;
        for (int j = 0; j < 16; j++) {
            b[1 + j] = (byte) (bestIndex(x[o + j], d) | bestIndex(x[o + 16 + j], d) << 4);
        }
        Blocks.write(b, y, p);
    }

    /**
     * ggml's {@code (uint8_t) (floorf(log2f(amax)) - 2 + 127)}, or 0 for {@code amax = 0}: glibc's
     * {@code log2f} rounds as the double logarithm rounded to float does (checked for every
     * positive float), and the conversion keeps the low byte of {@code cvttss2si}.
     */
    static int exponent(float amax) {
        if (!(amax > 0)) {
            return 0;
        }
        float log2 = (float) (StrictMath.log(amax) / LN2);
        return CFloat.cvtt((float) Math.floor(log2) - 2 + 127) & 0xFF;
    }

    /** {@code GGML_E8M0_TO_FP32_HALF(e)}: {@code 2^(e-128)}, subnormal for e below 2. */
    static float half(int e) {
        return Float.intBitsToFloat(e < 2 ? 0x00200000 << e : (e - 1) << 23);
    }

    /** ggml's {@code best_index_mxfp4}: the first index of least {@code |grid*d - v|}; 0 for NaN. */
    static int bestIndex(float v, float d) {
        int best = 0;
        float bestErr = Math.abs(VALUES[0] * d - v);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(VALUES[i] * d - v);
            if (err < bestErr) {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = half(b[0] & 0xFF);
        for (int j = 0; j < 16; j++) {
            y[o + j] = VALUES[b[1 + j] & 0xF] * d;
            y[o + 16 + j] = VALUES[Blocks.u8(b, 1 + j) >> 4] * d;
        }
    }
}
