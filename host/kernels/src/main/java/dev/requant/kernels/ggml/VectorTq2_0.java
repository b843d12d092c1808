package dev.requant.kernels.ggml;

import static dev.requant.kernels.ggml.BlockVectors.B16;
import static dev.requant.kernels.ggml.BlockVectors.F;
import static dev.requant.kernels.ggml.BlockVectors.L;
import static dev.requant.kernels.ggml.BlockVectors.PER_16;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarTq2_0}: max |x| by lane reductions, the ternary levels
 * lane-wise ({@code lroundf} of values within ±1 is a truncation plus the doubled remainder,
 * truncated). Blocks holding NaN or infinity, or so small that {@code 1/d} is infinite, go to the
 * scalar reference.
 */
final class VectorTq2_0 extends AbstractBlockCodec {
    static final VectorTq2_0 INSTANCE = new VectorTq2_0();

    private static final int BYTES = 66;

    private VectorTq2_0() {
        super(GgmlType.TQ2_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = maxMagnitude(x, o);
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarTq2_0.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        byte[] b = new byte[BYTES];
        for (int at = 0; at < 64; at += 16) {
            // byte 32c + m holds the levels of values 128c + m + 32k at bits 2k
            int from = o + 4 * (at & ~31) + (at & 31);
            ByteVector qs = ByteVector.zero(B16);
            for (int part = 0; part < PER_16; part++) {
                IntVector q = IntVector.zero(BlockVectors.I);
                for (int k = 0; k < 4; k++) {
                    FloatVector v = FloatVector.fromArray(F, x, from + 32 * k + part * L).mul(id);
                    IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
                    FloatVector frac = v.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
                    IntVector trit = t.add((IntVector) frac.add(frac).convert(VectorOperators.F2I, 0)).add(1);
                    q = q.or(trit.and(3).lanewise(VectorOperators.LSHL, 2 * k));
                }
                qs = qs.or((ByteVector) q.convertShape(VectorOperators.I2B, B16, -part));
            }
            qs.intoArray(b, at);
        }
        Blocks.putF16(b, 64, d);
        Blocks.write(b, y, p);
    }

    /** The largest |x| of the 256 values from {@code x[o]}; NaN when one is not finite. */
    static float maxMagnitude(float[] x, int o) {
        if (!BlockVectors.allFinite(x, o, 256)) {
            return Float.NaN;
        }
        float amax = 0;
        for (int k = 0; k < 8; k++) {
            amax = Math.max(amax, BlockVectors.absMax(x, o + 32 * k));
        }
        return amax;
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 64);
        if (!Float.isFinite(d)) {
            ScalarTq2_0.INSTANCE.dequantizeBlock(x, p, y, o);
            return;
        }
        byte[] q = new byte[16];
        for (int at = 0; at < 64; at += 16) {
            ByteVector qs = ByteVector.fromArray(B16, b, at);
            for (int k = 0; k < 4; k++) {
                qs.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).sub((byte) 1).intoArray(q, 0);
                BlockVectors.scale16(q, 0, d, 0f, y, o + 4 * (at & ~31) + 32 * k + (at & 31));
            }
        }
    }
}
