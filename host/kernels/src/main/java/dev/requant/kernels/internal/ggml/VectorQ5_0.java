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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ5_0}: as {@link VectorQ4_0}, with the fifth bits taken
 * from lane masks into {@code qh}. Blocks holding a NaN, or so small that {@code 1/d} is
 * infinite, go to the scalar reference.
 */
final class VectorQ5_0 extends AbstractBlockCodec {
    static final VectorQ5_0 INSTANCE = new VectorQ5_0();

    private static final int QK = 32;

    private VectorQ5_0() {
        super(GgmlType.Q5_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = BlockVectors.signedMax(x, o) / -16;
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarQ5_0.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        BlockVectors.fiveBits(x, o, 0, id, 16.5f, y, p + 2, p + 6);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        long qh = x.get(Layouts.I32, p + 2);
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 6, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        FloatVector sixteen = FloatVector.broadcast(F, 16);
        for (int k = 0; k < PER_16; k++) {
            // the fifth bit adds 16 where qh has it; small integers, so exact in floats
            VectorMask<Float> loHigh = VectorMask.fromLong(F, qh >>> (k * L));
            VectorMask<Float> hiHigh = VectorMask.fromLong(F, qh >>> (16 + k * L));
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).add(sixteen, loHigh).sub(16).mul(d)
                    .intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).add(sixteen, hiHigh).sub(16).mul(d)
                    .intoArray(y, o + 16 + k * L);
        }
    }
}
