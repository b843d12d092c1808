package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ3_K}: the groups' searches with one lane per group
 * ({@link Q3Lanes}), the rest as the reference does it; levels decoded 16 bytes at a time.
 */
final class VectorQ3_K extends LaneFitCodec {
    static final VectorQ3_K INSTANCE = new VectorQ3_K();

    private VectorQ3_K() {
        super(ScalarQ3_K.INSTANCE);
    }

    @Override
    void fit(float[] x, int o, int count, GroupFits fits) {
        Q3Lanes.fit(x, o, count, fits);
    }

    @Override
    void decode(byte[] b, float[] y, int o) {
        float d = Blocks.f16(b, 108);
        byte[] q = new byte[256];
        for (int half = 0; half < 2; half++) {
            ByteVector hmask = ByteVector.fromArray(B16, b, 16 * half);
            for (int c = 0; c < 2; c++) {
                ByteVector qs = ByteVector.fromArray(B16, b, 32 + 32 * c + 16 * half);
                for (int s = 0; s < 4; s++) {
                    // value n = 128c + 32s + 16half + i: low bits at 2s of qs, high bit n/32 of hmask
                    ByteVector high = hmask.lanewise(VectorOperators.LSHR, 4 * c + s).and((byte) 1);
                    qs.lanewise(VectorOperators.LSHR, 2 * s).and((byte) 3)
                            .add(high.lanewise(VectorOperators.LSHL, 2)).sub((byte) 4)
                            .intoArray(q, 128 * c + 32 * s + 16 * half);
                }
            }
        }
        for (int j = 0; j < 16; j++) {
            BlockVectors.scale16(q, 16 * j, d * (ScalarQ3_K.code(b, j) - 32), 0f, y, o + 16 * j);
        }
    }
}
