package dev.requant.kernels.ggml;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One vector lane per group: the searches of the super-block types run a whole group's
 * sequential arithmetic in one lane, so that each group sees ggml's operations in ggml's order
 * while {@link #N} groups advance together. Groups are transposed so that value i of every group
 * of a batch is one vector.
 */
final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Groups per batch. */
    static final int N = F.length();
    /** Lane k's offset {@code k * n} for groups of n = 16 and 32: gathers value i of every group. */
    private static final int[] STRIDE_16 = strides(16);
    private static final int[] STRIDE_32 = strides(32);

    private Lanes() {
    }

    /**
     * Writes value i of group k (of {@code count} groups of {@code n} from {@code x[o]}) to
     * {@code t[at + i*N + k]}; lanes past {@code count} get zeros, a group every search leaves
     * alone.
     */
    static void transpose(float[] x, int o, int n, int count, float[] t, int at) {
        if (count == N) {
            int[] strides = n == 16 ? STRIDE_16 : STRIDE_32;
            for (int i = 0; i < n; i++) {
                FloatVector.fromArray(F, x, o + i, strides, 0).intoArray(t, at + i * N);
            }
            return;
        }
        for (int k = 0; k < N; k++) {
            for (int i = 0; i < n; i++) {
                t[at + i * N + k] = k < count ? x[o + k * n + i] : 0;
            }
        }
    }

    private static int[] strides(int n) {
        int[] s = new int[N];
        for (int k = 0; k < N; k++) {
            s[k] = k * n;
        }
        return s;
    }

    /** ggml's {@code nearest_int} lane-wise (as {@link CFloat#nearestInt}). */
    static IntVector nearestInt(FloatVector v) {
        return v.add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000);
    }
}
