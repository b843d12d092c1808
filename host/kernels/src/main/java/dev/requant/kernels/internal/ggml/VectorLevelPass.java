package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.BlockVectors.B16;
import static dev.requant.kernels.internal.ggml.BlockVectors.F;
import static dev.requant.kernels.internal.ggml.BlockVectors.L;
import static dev.requant.kernels.internal.ggml.BlockVectors.PER_16;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link LevelPass} lane-wise, 16 values to a byte vector: the same float operations per value;
 * ggml's bisection for the grid index becomes a count of the thresholds {@link Iq4Lanes#UP} a
 * value is not below.
 */
final class VectorLevelPass implements LevelPass {
    static final VectorLevelPass INSTANCE = new VectorLevelPass();

    private VectorLevelPass() {
    }

    @Override
    public void levels(float[] x, int o, int n, float add, float div, int lo, int hi, int off, byte[] levels, int at) {
        for (int c = 0; c < n; c += 16) {
            ByteVector out = ByteVector.zero(B16);
            for (int k = 0; k < PER_16; k++) {
                FloatVector v = FloatVector.fromArray(F, x, o + c + k * L).add(add).div(div);
                IntVector l = v.add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000).max(lo).min(hi).add(off);
                out = out.or((ByteVector) l.convertShape(VectorOperators.I2B, B16, -k));
            }
            out.intoArray(levels, at + c);
        }
    }

    @Override
    public void gridIndexes(float[] x, int o, float id, byte[] b, int at) {
        ByteVector qs = ByteVector.zero(B16);
        for (int k = 0; k < PER_16; k++) {
            FloatVector low = FloatVector.fromArray(F, x, o + k * L).mul(id);
            FloatVector high = FloatVector.fromArray(F, x, o + 16 + k * L).mul(id);
            FloatVector lowIndex = FloatVector.zero(F);
            FloatVector highIndex = FloatVector.zero(F);
            for (int t = 1; t < 16; t++) {
                lowIndex = lowIndex.add(1f, low.compare(VectorOperators.LT, Iq4Lanes.UP[t]).not());
                highIndex = highIndex.add(1f, high.compare(VectorOperators.LT, Iq4Lanes.UP[t]).not());
            }
            IntVector pair = ((IntVector) lowIndex.convert(VectorOperators.F2I, 0))
                    .or(((IntVector) highIndex.convert(VectorOperators.F2I, 0)).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
        }
        qs.intoArray(b, at);
    }
}
