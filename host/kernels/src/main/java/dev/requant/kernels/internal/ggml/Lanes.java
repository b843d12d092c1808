package dev.requant.kernels.internal.ggml;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One vector lane per group: the searches of the super-block types run a whole group's
 * sequential arithmetic in one lane, so that each group sees ggml's operations in ggml's order
 * while {@link #N} groups advance together. Groups are transposed so that value i of every group
 * of a batch is one vector.
 *
 * <p>ggml's {@code nearest_int} appears lane-wise as the addition of 1.5 * 2^23 and the low
 * mantissa bits of the sum ({@link CFloat#nearestInt}); it is spelled out where it is used
 * because a vector that crosses a method boundary C2 did not inline is boxed on the heap.
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

    /**
     * Each lane's first value of largest magnitude among its {@code n} (transposed from
     * {@code xt[xo]}; 0 when all are zero) and that magnitude, as ggml's scans find them (a value
     * replaces only a strictly larger one), to {@code maxOut[at..]} and {@code amaxOut[at..]}.
     */
    static void signedMax(float[] xt, int xo, int n, float[] maxOut, float[] amaxOut, int at) {
        FloatVector amax = FloatVector.zero(F);
        FloatVector max = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, xo + i * N);
            VectorMask<Float> larger = xi.abs().compare(VectorOperators.GT, amax);
            amax = amax.blend(xi.abs(), larger);
            max = max.blend(xi, larger);
        }
        max.intoArray(maxOut, at);
        amax.intoArray(amaxOut, at);
    }
}
