package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarScaleMinK} (Q4_K, Q5_K): the groups' searches with one
 * lane per group ({@link Qkx2Lanes}), the rest as the reference does it; levels decoded 16
 * bytes at a time.
 */
final class VectorScaleMinK extends LaneFitCodec {
    static final VectorScaleMinK Q4_K = new VectorScaleMinK(ScalarScaleMinK.Q4_K);
    static final VectorScaleMinK Q5_K = new VectorScaleMinK(ScalarScaleMinK.Q5_K);

    private final ScalarScaleMinK reference;
    private final boolean fifthBit;

    private VectorScaleMinK(ScalarScaleMinK reference) {
        super(reference);
        this.reference = reference;
        this.fifthBit = reference.fit.nmax() > 15;
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Qkx2Lanes.fit(reference.fit, x, o, count, fits);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 0);
        float min = Blocks.f16(b, 2);
        int qsAt = fifthBit ? 48 : 16;
        byte[] q = new byte[256];
        for (int l0 = 0; l0 < 32; l0 += 16) {
            ByteVector qh = ByteVector.fromArray(B16, b, 16 + l0); // Q4_K's qs there: read, not used
            for (int c = 0; c < 4; c++) {
                ByteVector qs = ByteVector.fromArray(B16, b, qsAt + 32 * c + l0);
                for (int half = 0; half < 2; half++) {
                    // group j = 2c + half: low or high nibbles of chunk c, fifth bit j of qh
                    int j = 2 * c + half;
                    ByteVector v = half == 0 ? qs.and((byte) 0xF) : qs.lanewise(VectorOperators.LSHR, 4);
                    if (fifthBit) {
                        v = v.or(qh.lanewise(VectorOperators.LSHR, j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    }
                    v.intoArray(q, 32 * j + l0);
                }
            }
        }
        for (int j = 0; j < ScalarScaleMinK.GROUPS; j++) {
            float dl = d * ScalarScaleMinK.scaleCode(b, j);
            float ml = min * ScalarScaleMinK.minCode(b, j);
            BlockVectors.scale16(q, 32 * j, dl, ml, y, o + 32 * j);
            BlockVectors.scale16(q, 32 * j + 16, dl, ml, y, o + 32 * j + 16);
        }
    }
}
