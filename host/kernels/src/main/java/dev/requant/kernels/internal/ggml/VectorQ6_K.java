package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ6_K}: the groups' searches with one lane per group
 * ({@link QxLanes}), the rest as the reference does it; levels decoded 16 bytes at a time.
 */
final class VectorQ6_K extends LaneFitCodec {
    static final VectorQ6_K INSTANCE = new VectorQ6_K();

    private VectorQ6_K() {
        super(ScalarQ6_K.INSTANCE);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        QxLanes.fit(x, o, count, fits);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 208);
        byte[] q = new byte[256];
        for (int h = 0; h < 2; h++) {
            for (int l0 = 0; l0 < 32; l0 += 16) {
                ByteVector qh = ByteVector.fromArray(B16, b, 128 + 32 * h + l0);
                for (int k = 0; k < 4; k++) {
                    // value 128h + 32k + l: nibble 4*(k/2) of ql[64h + 32(k%2) + l], bits 2k of qh[32h + l]
                    ByteVector ql = ByteVector.fromArray(B16, b, 64 * h + 32 * (k % 2) + l0);
                    ByteVector low = k < 2 ? ql.and((byte) 0xF) : ql.lanewise(VectorOperators.LSHR, 4);
                    low.or(qh.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((byte) 32)
                            .intoArray(q, 128 * h + 32 * k + l0);
                }
            }
        }
        for (int j = 0; j < 16; j++) {
            BlockVectors.scale16(q, 16 * j, d * b[192 + j], 0f, y, o + 16 * j);
        }
    }
}
