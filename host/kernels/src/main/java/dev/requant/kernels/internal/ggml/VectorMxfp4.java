package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;
import static dev.requant.kernels.internal.ggml.BlockVectors.F;
import static dev.requant.kernels.internal.ggml.BlockVectors.L;
import static dev.requant.kernels.internal.ggml.BlockVectors.PER_16;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarMxfp4}: max |x| by lane reduction, the nearest grid
 * value lane-wise (the first of equal errors, as ggml's scan keeps it), the decoder by table
 * lookup. Blocks holding NaN or infinity go to the scalar reference.
 */
final class VectorMxfp4 extends AbstractBlockCodec {
    static final VectorMxfp4 INSTANCE = new VectorMxfp4();

    private static final int BYTES = 17;

    private VectorMxfp4() {
        super(GgmlType.MXFP4);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        if (!BlockVectors.allFinite(x, o, 32)) {
            ScalarMxfp4.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        int e = ScalarMxfp4.exponent(BlockVectors.absMax(x, o));
        float d = ScalarMxfp4.half(e);
        byte[] b = new byte[BYTES];
        b[0] = (byte) e;
        ByteVector qs = ByteVector.zero(B16);
        for (int k = 0; k < PER_16; k++) {
            IntVector pair = IntVector.zero(BlockVectors.I);
            for (int half = 0; half < 2; half++) {
                FloatVector v = FloatVector.fromArray(F, x, o + 16 * half + k * L);
                FloatVector best = FloatVector.broadcast(F, ScalarMxfp4.VALUES[0] * d).sub(v).abs();
                FloatVector index = FloatVector.zero(F);
                for (int i = 1; i < 16; i++) {
                    FloatVector err = FloatVector.broadcast(F, ScalarMxfp4.VALUES[i] * d).sub(v).abs();
                    VectorMask<Float> closer = err.compare(VectorOperators.LT, best);
                    best = best.blend(err, closer);
                    index = index.blend((float) i, closer);
                }
                pair = pair.or(((IntVector) index.convert(VectorOperators.F2I, 0)).lanewise(VectorOperators.LSHL, 4 * half));
            }
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
        }
        qs.intoArray(b, 1);
        Blocks.write(b, y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = ScalarMxfp4.half(b[0] & 0xFF);
        byte[] q = new byte[32];
        BlockVectors.lookupNibbles(ScalarMxfp4.GRID, b, 1, q, 0);
        BlockVectors.scale16(q, 0, d, 0f, y, o);
        BlockVectors.scale16(q, 16, d, 0f, y, o + 16);
    }
}
