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
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ8_0}: the block's max |x| is a lane reduction, the 32
 * roundings are lane-wise. Blocks holding a NaN, or so small that {@code 1/d} is infinite, go
 * to the scalar reference.
 */
final class VectorQ8_0 extends AbstractBlockCodec {
    static final VectorQ8_0 INSTANCE = new VectorQ8_0();

    private static final int QK = 32;

    private VectorQ8_0() {
        super(GgmlType.Q8_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float amax = BlockVectors.absMax(x, o);
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarQ8_0.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        for (int half = 0; half < 2; half++) {
            ByteVector qs = ByteVector.zero(B16);
            for (int k = 0; k < PER_16; k++) {
                // roundf for |v| <= 128: truncate, then add the remainder doubled and truncated
                FloatVector v = FloatVector.fromArray(F, x, o + 16 * half + k * L).mul(id);
                IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
                FloatVector frac = v.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
                IntVector q = t.add((IntVector) frac.add(frac).convert(VectorOperators.F2I, 0));
                qs = qs.or((ByteVector) q.convertShape(VectorOperators.I2B, B16, -k));
            }
            qs.intoMemorySegment(y, p + 2 + 16 * half, ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        for (int half = 0; half < 2; half++) {
            ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 2 + 16 * half, ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < PER_16; k++) {
                ((FloatVector) qs.convertShape(VectorOperators.B2F, F, k)).mul(d).intoArray(y, o + 16 * half + k * L);
            }
        }
    }
}
