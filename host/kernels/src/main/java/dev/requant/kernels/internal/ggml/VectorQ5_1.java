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
 * The Vector API twin of {@link ScalarQ5_1}: as {@link VectorQ4_1}, with the fifth bits taken
 * from lane masks into {@code qh}. Blocks holding a NaN, or so flat that {@code 1/d} is
 * infinite, go to the scalar reference.
 */
final class VectorQ5_1 extends AbstractBlockCodec {
    static final VectorQ5_1 INSTANCE = new VectorQ5_1();

    private static final int QK = 32;

    private VectorQ5_1() {
        super(GgmlType.Q5_1);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        long range = BlockVectors.range(x, o);
        float min = BlockVectors.minOf(range);
        float d = (BlockVectors.maxOf(range) - min) / 31;
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarQ5_1.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        y.set(Layouts.I16, p + 2, Fp.f32ToF16(min));
        // (x - min)/d + 0.5 stays below 32 for a finite 1/d, so the clamp to 31 changes nothing
        BlockVectors.fiveBits(x, o, min, id, 0.5f, y, p + 4, p + 8);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        float m = Fp.f16ToF32(x.get(Layouts.I16, p + 2));
        if (Float.isNaN(m)) {
            ScalarQ5_1.INSTANCE.dequantizeBlock(x, p, y, o); // which of two NaNs a sum keeps is the scalar's to say
            return;
        }
        long qh = x.get(Layouts.I32, p + 4);
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 8, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        FloatVector sixteen = FloatVector.broadcast(F, 16);
        for (int k = 0; k < PER_16; k++) {
            // the fifth bit adds 16 where qh has it; small integers, so exact in floats
            VectorMask<Float> loHigh = VectorMask.fromLong(F, qh >>> (k * L));
            VectorMask<Float> hiHigh = VectorMask.fromLong(F, qh >>> (16 + k * L));
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).add(sixteen, loHigh).mul(d).add(m)
                    .intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).add(sixteen, hiHigh).mul(d).add(m)
                    .intoArray(y, o + 16 + k * L);
        }
    }
}
