package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;
import static dev.requant.kernels.internal.ggml.BlockVectors.F;
import static dev.requant.kernels.internal.ggml.BlockVectors.L;
import static dev.requant.kernels.internal.ggml.BlockVectors.PER_16;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ4_0}: max |x| by lane reduction, the first value of that
 * magnitude by lane bits, nibbles lane-wise (values j and j+16 share a lane). Blocks holding a
 * NaN, or so small that {@code 1/d} is infinite, go to the scalar reference.
 */
final class VectorQ4_0 extends AbstractBlockCodec {
    static final VectorQ4_0 INSTANCE = new VectorQ4_0();

    private static final int QK = 32;

    private VectorQ4_0() {
        super(GgmlType.Q4_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = BlockVectors.signedMax(x, o) / -8;
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarQ4_0.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        BlockVectors.nibbles(x, o, 0, id, 8.5f, y, p + 2);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 2, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        for (int k = 0; k < PER_16; k++) {
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).sub(8).mul(d).intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).sub(8).mul(d).intoArray(y, o + 16 + k * L);
        }
    }
}
