package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.Lanes.F;
import static dev.requant.kernels.internal.ggml.Lanes.N;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Q3Fit} with one vector lane per group, each lane doing its group's operations in ggml's
 * order. Within a group the passes are one chain (each move changes the sums the next value is
 * judged by), so the batches of a run advance together, value by value, to keep several chains
 * in flight. A pass that moves no level of a batch leaves it as it was, so a batch stops after
 * such a pass, as ggml's groups do, while the others go on.
 */
final class Q3Lanes {
    private static final int N16 = Q3Fit.GROUP;
    private static final int NMAX = Q3Fit.NMAX;

    private Q3Lanes() {
    }

    /** As {@link Q3Fit#fit}, into lane-searched {@code fits}. */
    static void fit(float[] x, int o, int groups, GroupFits fits) {
        int batches = (groups + N - 1) / N;
        float[] xt = new float[batches * N16 * N];
        float[] sumLX = new float[batches * N];
        float[] sumL2 = new float[batches * N];
        float[] max = new float[batches * N];
        float[] amax = new float[batches * N];
        for (int b = 0; b < batches; b++) {
            Lanes.transpose(x, o + b * N * N16, N16, Math.min(N, groups - b * N), xt, b * N16 * N);
            start(xt, b * N16 * N, fits.laneLevels, fits.batchBase(b), sumLX, sumL2, max, amax, b * N);
        }
        boolean[] moving = new boolean[batches];
        java.util.Arrays.fill(moving, true);
        for (int pass = 0; pass < Q3Fit.PASSES && pass(xt, fits, sumLX, sumL2, moving); pass++) {
            // each pass stops the batches it did not move
        }
        float[] scale = new float[N];
        for (int b = 0; b < batches; b++) {
            finish(fits.laneLevels, fits.batchBase(b), sumLX, sumL2, amax, b * N, scale);
            System.arraycopy(scale, 0, fits.scales, b * N, Math.min(N, groups - b * N));
        }
    }

    /** The levels from the first value of largest magnitude and their sums. */
    private static void start(float[] xt, int xo, float[] levels, int base, float[] sumLX, float[] sumL2,
            float[] maxLanes, float[] amaxOut, int at) {
        Lanes.signedMax(xt, xo, N16, maxLanes, amaxOut, at);
        FloatVector iscale = FloatVector.broadcast(F, (float) -NMAX).div(FloatVector.fromArray(F, maxLanes, at));
        FloatVector lx = FloatVector.zero(F);
        FloatVector l2 = FloatVector.zero(F);
        for (int i = 0; i < N16; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, xo + i * N);
            FloatVector l = (FloatVector) iscale.mul(xi).add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000)
                    .max(-NMAX).min(NMAX - 1).convert(VectorOperators.I2F, 0);
            l.intoArray(levels, base + i * N);
            FloatVector w = xi.mul(xi);
            lx = lx.add(w.mul(xi).mul(l));
            l2 = l2.add(w.mul(l).mul(l));
        }
        lx.intoArray(sumLX, at);
        l2.intoArray(sumL2, at);
    }

    /** One pass over the moving batches; whether any of them moved a level. */
    private static boolean pass(float[] xt, GroupFits fits, float[] sumLX, float[] sumL2, boolean[] moving) {
        long[] moved = new long[moving.length];
        for (int i = 0; i < N16; i++) {
            for (int b = 0; b < moving.length; b++) {
                if (!moving[b]) {
                    continue;
                }
                int at = fits.batchBase(b) + i * N;
                FloatVector xi = FloatVector.fromArray(F, xt, b * N16 * N + i * N);
                FloatVector li = FloatVector.fromArray(F, fits.laneLevels, at);
                FloatVector lx = FloatVector.fromArray(F, sumLX, b * N);
                FloatVector l2 = FloatVector.fromArray(F, sumL2, b * N);
                FloatVector w = xi.mul(xi);
                FloatVector wx = w.mul(xi);
                FloatVector slx = lx.sub(wx.mul(li));
                FloatVector sl2 = l2.sub(w.mul(li).mul(li));
                FloatVector l = (FloatVector) xi.mul(sl2).div(slx).add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000)
                    .max(-NMAX).min(NMAX - 1).convert(VectorOperators.I2F, 0);
                FloatVector slxNew = slx.add(wx.mul(l));
                FloatVector sl2New = sl2.add(w.mul(l).mul(l));
                VectorMask<Float> take = slx.compare(VectorOperators.GT, 0f)
                        .and(l.compare(VectorOperators.NE, li))
                        .and(sl2New.compare(VectorOperators.GT, 0f))
                        .and(slxNew.mul(slxNew).mul(l2).compare(VectorOperators.GT, lx.mul(lx).mul(sl2New)));
                li.blend(l, take).intoArray(fits.laneLevels, at);
                lx.blend(slxNew, take).intoArray(sumLX, b * N);
                l2.blend(sl2New, take).intoArray(sumL2, b * N);
                moved[b] |= take.toLong();
            }
        }
        boolean any = false;
        for (int b = 0; b < moving.length; b++) {
            moving[b] = moving[b] && moved[b] != 0;
            any |= moving[b];
        }
        return any;
    }

    /** Levels from -4..3 to 0..7, ggml's scale; levels and scale 0 where a group is all (nearly) zero. */
    private static void finish(float[] levels, int base, float[] sumLX, float[] sumL2, float[] amax, int at,
            float[] scaleOut) {
        VectorMask<Float> zero = FloatVector.fromArray(F, amax, at).compare(VectorOperators.LT, 1e-15f);
        for (int i = 0; i < N16; i++) {
            FloatVector.fromArray(F, levels, base + i * N).add(NMAX).blend(0f, zero).intoArray(levels, base + i * N);
        }
        FloatVector lx = FloatVector.fromArray(F, sumLX, at);
        FloatVector l2 = FloatVector.fromArray(F, sumL2, at);
        lx.div(l2).blend(0f, l2.compare(VectorOperators.GT, 0f).not().or(zero)).intoArray(scaleOut, 0);
    }
}
