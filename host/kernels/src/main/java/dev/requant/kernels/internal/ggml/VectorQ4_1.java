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
 * The Vector API twin of {@link ScalarQ4_1}: minimum and maximum by lane reductions, nibbles
 * lane-wise. Blocks holding a NaN, or so flat that {@code 1/d} is infinite, go to the scalar
 * reference.
 */
final class VectorQ4_1 extends AbstractBlockCodec {
    static final VectorQ4_1 INSTANCE = new VectorQ4_1();

    private static final int QK = 32;

    private VectorQ4_1() {
        super(GgmlType.Q4_1);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        long range = BlockVectors.range(x, o);
        float min = BlockVectors.minOf(range);
        float d = (BlockVectors.maxOf(range) - min) / 15;
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarQ4_1.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        y.set(Layouts.I16, p + 2, Fp.f32ToF16(min));
        BlockVectors.nibbles(x, o, min, id, 0.5f, y, p + 4);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        float m = Fp.f16ToF32(x.get(Layouts.I16, p + 2));
        if (Float.isNaN(m)) {
            ScalarQ4_1.INSTANCE.dequantizeBlock(x, p, y, o); // which of two NaNs a sum keeps is the scalar's to say
            return;
        }
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 4, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        for (int k = 0; k < PER_16; k++) {
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).mul(d).add(m).intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).mul(d).add(m).intoArray(y, o + 16 + k * L);
        }
    }
}
