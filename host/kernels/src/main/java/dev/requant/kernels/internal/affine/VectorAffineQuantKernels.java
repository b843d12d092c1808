package dev.requant.kernels.internal.affine;

import dev.requant.kernels.affine.AffineQuantKernels;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarAffineQuantKernels}, bit for bit: a group's minimum and
 * maximum are reduced across lanes (neither depends on the order), its scale and bias are the
 * reference's scalar formula, and every code is the same subtraction, division and rounding per
 * lane. Packing is the reference's.
 */
public final class VectorAffineQuantKernels implements AffineQuantKernels {
    public static final VectorAffineQuantKernels INSTANCE = new VectorAffineQuantKernels();

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private VectorAffineQuantKernels() {
    }

    @Override
    public void quantizeRows(float[] src, int offset, int rows, int rowLength, int groupSize, int bits,
                             MemorySegment packed, long packedOffset, float[] scales, float[] biases, int groupOffset) {
        ScalarAffineQuantKernels.check(rowLength, groupSize, bits);
        int groups = rowLength / groupSize;
        float bins = (1 << bits) - 1;
        int[] codes = new int[rowLength];
        for (int r = 0; r < rows; r++) {
            int row = offset + r * rowLength;
            for (int g = 0; g < groups; g++) {
                int from = row + g * groupSize;
                int i = 0;
                float min = Float.MAX_VALUE;
                float max = 0f;
                if (groupSize >= L) {
                    FloatVector lo = FloatVector.broadcast(F, Float.MAX_VALUE);
                    FloatVector hi = FloatVector.zero(F);
                    for (; i + L <= groupSize; i += L) {
                        FloatVector v = FloatVector.fromArray(F, src, from + i);
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                    min = lo.reduceLanes(VectorOperators.MIN);
                    max = hi.reduceLanes(VectorOperators.MAX);
                }
                for (; i < groupSize; i++) {
                    min = Math.min(min, src[from + i]);
                    max = Math.max(max, src[from + i]);
                }
                int at = groupOffset + r * groups + g;
                ScalarAffineQuantKernels.params(min, max, bins, scales, biases, at);
                FloatVector bias = FloatVector.broadcast(F, biases[at]);
                FloatVector scale = FloatVector.broadcast(F, scales[at]);
                i = 0;
                for (; i + L <= groupSize; i += L) {
                    FloatVector v = FloatVector.fromArray(F, src, from + i).sub(bias).div(scale);
                    codes(v, bins).intoArray(codes, g * groupSize + i);
                }
                for (; i < groupSize; i++) {
                    codes[g * groupSize + i] = ScalarAffineQuantKernels.code((src[from + i] - biases[at]) / scales[at], bins);
                }
            }
            ScalarAffineQuantKernels.packRow(codes, bits, packed,
                    packedOffset + (long) r * rowLength * bits / 8);
        }
    }

    /** {@link ScalarAffineQuantKernels#code} per lane. */
    private static IntVector codes(FloatVector v, float bins) {
        var negativeOrNaN = v.compare(VectorOperators.GE, 0f).not();
        FloatVector a = v.min(256f);
        IntVector t = (IntVector) a.convert(VectorOperators.F2I, 0);
        FloatVector frac = a.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
        IntVector r = t.add(1, frac.compare(VectorOperators.GE, 0.5f).cast(t.species()));
        r = r.min((int) bins);
        return r.blend(0, negativeOrNaN.cast(r.species()));
    }
}
