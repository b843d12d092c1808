package dev.requant.kernels.ggml;

import static dev.requant.kernels.ggml.Lanes.F;
import static dev.requant.kernels.ggml.Lanes.N;

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
        float[] scale = new float[N];
        for (int b = 0; b < blocks; b += N) {
            int count = Math.min(N, blocks - b);
            Lanes.transpose(x, o + b * BLOCK, BLOCK, count, xt, 0);
            fitBatch(xt, scale);
            System.arraycopy(scale, 0, scales, s0 + b, count);
        }
    }

    private static void fitBatch(float[] xt, float[] scaleOut) {
        FloatVector amax = FloatVector.zero(F);
        FloatVector max = FloatVector.zero(F);
        for (int i = 0; i < BLOCK; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            VectorMask<Float> larger = xi.abs().compare(VectorOperators.GT, amax);
            amax = amax.blend(xi.abs(), larger);
            max = max.blend(xi, larger);
        }
        VectorMask<Float> small = amax.compare(VectorOperators.LT, 1e-15f);

        FloatVector id = FloatVector.broadcast(F, 1f).div(max.neg().div(Iq4Fit.VALUES[0]));
        FloatVector sumQX = FloatVector.zero(F);
        FloatVector sumQ2 = FloatVector.zero(F);
        for (int i = 0; i < BLOCK; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            FloatVector q = gridValue(id.mul(xi));
            FloatVector wq = xi.mul(xi).mul(q);
            sumQX = sumQX.add(wq.mul(xi));
            sumQ2 = sumQ2.add(wq.mul(q));
        }
        FloatVector d = sumQX.div(sumQ2).blend(0f, sumQ2.compare(VectorOperators.GT, 0f).not());
        FloatVector best = d.mul(sumQX);
        for (int t = -Iq4Fit.NTRY; t <= Iq4Fit.NTRY; t++) {
            id = FloatVector.broadcast(F, (float) (t + Iq4Fit.VALUES[0])).div(max);
            sumQX = FloatVector.zero(F);
            sumQ2 = FloatVector.zero(F);
            for (int i = 0; i < BLOCK; i++) {
                FloatVector xi = FloatVector.fromArray(F, xt, i * N);
                FloatVector q = gridValue(id.mul(xi));
                FloatVector wq = xi.mul(xi).mul(q);
                sumQX = sumQX.add(wq.mul(xi));
                sumQ2 = sumQ2.add(wq.mul(q));
            }
            VectorMask<Float> better = sumQ2.compare(VectorOperators.GT, 0f)
                    .and(sumQX.mul(sumQX).compare(VectorOperators.GT, best.mul(sumQ2)));
            d = d.blend(sumQX.div(sumQ2), better);
            best = best.blend(d.mul(sumQX), better);
        }
        d.blend(0f, small).intoArray(scaleOut, 0);
    }

    /** The grid value ggml's bisection picks for each lane, as a float. */
    private static FloatVector gridValue(FloatVector v) {
        FloatVector q = FloatVector.broadcast(F, (float) Iq4Fit.VALUES[0]);
        for (int k = 1; k < 16; k++) {
            q = q.add((float) (Iq4Fit.VALUES[k] - Iq4Fit.VALUES[k - 1]), v.compare(VectorOperators.LT, UP[k]).not());
        }
        return q;
    }
}
