package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.F;
import static dev.requant.kernels.internal.ggml.BlockVectors.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of TQ1_0 and TQ2_0 ({@link ScalarTernary}): max |x| by lane reductions,
 * the levels lane-wise ({@code lroundf} of a value within ±1 is its truncation plus its doubled
 * remainder, truncated), packed and unpacked by the reference's own code, the decoded values
 * scaled lane-wise. Blocks holding NaN or infinity, or so small that {@code 1/d} is infinite, go
 * to the scalar reference.
 */
final class VectorTernary extends AbstractBlockCodec {
    static final VectorTernary TQ1_0 = new VectorTernary(ScalarTq1_0.INSTANCE);
    static final VectorTernary TQ2_0 = new VectorTernary(ScalarTq2_0.INSTANCE);

    private final ScalarTernary scalar;

    private VectorTernary(ScalarTernary scalar) {
        super(scalar.type());
        this.scalar = scalar;
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = 0;
        for (int k = 0; k < 256; k += 32) {
            d = Math.max(d, BlockVectors.absMax(x, o + k)); // NaN when a value is
        }
        float id = d != 0 ? 1 / d : 0;
        if (!BlockVectors.allFinite(x, o, 256) || !Float.isFinite(id)) {
            scalar.quantizeBlock(x, o, y, p);
            return;
        }
        int[] levels = new int[256];
        for (int k = 0; k < 256; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, o + k).mul(id);
            IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
            FloatVector frac = v.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
            t.add((IntVector) frac.add(frac).convert(VectorOperators.F2I, 0)).add(1).intoArray(levels, k);
        }
        Blocks.write(scalar.pack(levels, d), y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, type().typeSize());
        float d = scalar.scale(b);
        if (!Float.isFinite(d)) {
            scalar.dequantizeBlock(x, p, y, o);
            return;
        }
        byte[] values = new byte[256];
        scalar.unpack(b, values);
        for (int k = 0; k < 256; k += 16) {
            BlockVectors.scale16(values, k, d, 0f, y, o + k);
        }
    }
}
