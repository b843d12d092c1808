package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ2_K}: the groups' searches with one lane per group
 * ({@link Qkx2Lanes}), the rest as the reference does it; levels decoded 16 bytes at a time.
 */
final class VectorQ2_K extends LaneFitCodec {
    static final VectorQ2_K INSTANCE = new VectorQ2_K();

    private VectorQ2_K() {
        super(ScalarQ2_K.INSTANCE);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Qkx2Lanes.fit(Qkx2Fit.Q2_K, x, o, count, fits);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 80);
        float min = Blocks.f16(b, 82);
        byte[] q = new byte[256];
        for (int at = 0; at < 64; at += 16) {
            ByteVector qs = ByteVector.fromArray(B16, b, 16 + at);
            for (int s = 0; s < 4; s++) {
                // byte 32c + l holds values 128c + 32s + l
                qs.lanewise(VectorOperators.LSHR, 2 * s).and((byte) 3).intoArray(q, 4 * (at & ~31) + 32 * s + (at & 31));
            }
        }
        for (int j = 0; j < 16; j++) {
            int sc = Blocks.u8(b, j);
            BlockVectors.scale16(q, 16 * j, d * (sc & 0xF), min * (sc >> 4), y, o + 16 * j);
        }
    }
}
