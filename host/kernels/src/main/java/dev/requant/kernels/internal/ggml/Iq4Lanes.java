package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.Lanes.F;
import static dev.requant.kernels.internal.ggml.Lanes.N;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Iq4Fit} with one vector lane per block of 32, and the grid lookup lane-wise. ggml's
 * bisection picks grid index k or more exactly when {@code !(v - grid[k-1] < grid[k] - v)}, a
 * condition monotone in v, so index k is reached from a threshold {@link #UP} on: the index is
 * the number of thresholds v is not below, which also gives ggml's 15 for NaN.
 */
final class Iq4Lanes {
    private static final int BLOCK = Iq4Fit.BLOCK;
    /** {@code UP[k]}: the least float v that ggml's bisection sends to index k or above (k = 1..15). */
    static final float[] UP = new float[16];

    static {
        for (int k = 1; k < 16; k++) {
            UP[k] = threshold(Iq4Fit.VALUES[k - 1], Iq4Fit.VALUES[k]);
        }
    }

    private Iq4Lanes() {
    }

    private static float threshold(int below, int above) {
        float t = (below + above) / 2f;
        while (!lower(Math.nextDown(t), below, above)) {
            t = Math.nextDown(t);
        }
        while (lower(t, below, above)) {
            t = Math.nextUp(t);
        }
        return t;
    }

    /** ggml's tie break between neighbours: whether v goes to the lower one. */
    private static boolean lower(float v, int below, int above) {
        return v - below < above - v;
    }

    /** As {@link Iq4Fit#fit}. */
    static void fit(float[] x, int o, int blocks, float[] scales, int s0) {
        float[] xt = new float[BLOCK * N];
        float[] max = new float[N];
        float[] amax = new float[N];
        float[] id = new float[N];
        float[] sumQX = new float[N];
        float[] sumQ2 = new float[N];
        float[] scale = new float[N];
        for (int b = 0; b < blocks; b += N) {
            int count = Math.min(N, blocks - b);
            Lanes.transpose(x, o + b * BLOCK, BLOCK, count, xt, 0);
            Lanes.signedMax(xt, 0, BLOCK, max, amax, 0);
            FloatVector m = FloatVector.fromArray(F, max, 0);
            FloatVector.broadcast(F, 1f).div(m.neg().div(Iq4Fit.VALUES[0])).intoArray(id, 0);
            weigh(xt, id, sumQX, sumQ2);
            FloatVector qx = FloatVector.fromArray(F, sumQX, 0);
            FloatVector q2 = FloatVector.fromArray(F, sumQ2, 0);
            FloatVector d = qx.div(q2).blend(0f, q2.compare(VectorOperators.GT, 0f).not());
            FloatVector best = d.mul(qx);
            for (int t = -Iq4Fit.NTRY; t <= Iq4Fit.NTRY; t++) {
                FloatVector.broadcast(F, (float) (t + Iq4Fit.VALUES[0])).div(m).intoArray(id, 0);
                weigh(xt, id, sumQX, sumQ2);
                qx = FloatVector.fromArray(F, sumQX, 0);
                q2 = FloatVector.fromArray(F, sumQ2, 0);
                VectorMask<Float> better = q2.compare(VectorOperators.GT, 0f)
                        .and(qx.mul(qx).compare(VectorOperators.GT, best.mul(q2)));
                d = d.blend(qx.div(q2), better);
                best = best.blend(d.mul(qx), better);
            }
            d.blend(0f, FloatVector.fromArray(F, amax, 0).compare(VectorOperators.LT, 1e-15f)).intoArray(scale, 0);
            System.arraycopy(scale, 0, scales, s0 + b, count);
        }
    }

    /** {@link Iq4Fit}'s weighted sums, each lane with its own {@code id}. */
    private static void weigh(float[] xt, float[] idLanes, float[] sumQXOut, float[] sumQ2Out) {
        FloatVector id = FloatVector.fromArray(F, idLanes, 0);
        FloatVector sumQX = FloatVector.zero(F);
        FloatVector sumQ2 = FloatVector.zero(F);
        for (int i = 0; i < BLOCK; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            // the grid value ggml's bisection picks: the lowest, raised step by step past each threshold
            FloatVector v = id.mul(xi);
            FloatVector q = FloatVector.broadcast(F, (float) Iq4Fit.VALUES[0]);
            for (int k = 1; k < 16; k++) {
                q = q.add((float) (Iq4Fit.VALUES[k] - Iq4Fit.VALUES[k - 1]), v.compare(VectorOperators.LT, UP[k]).not());
            }
            FloatVector wq = xi.mul(xi).mul(q);
            sumQX = sumQX.add(wq.mul(xi));
            sumQ2 = sumQ2.add(wq.mul(q));
        }
        sumQX.intoArray(sumQXOut, 0);
        sumQ2.intoArray(sumQ2Out, 0);
    }
}
