package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.Lanes.F;
import static dev.requant.kernels.internal.ggml.Lanes.N;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Qkx2Fit} with one vector lane per group: every lane performs that group's float
 * operations in ggml's order; a step that ggml skips for a group is computed and then not taken,
 * so each group's scale, minimum and levels have {@link Qkx2Fit}'s bits. The search state lives
 * in arrays between the phases, one method each, small enough for C2 to keep every vector in
 * registers.
 */
final class Qkx2Lanes {
    private final Qkx2Fit.Params p;
    private final int n;
    private final float[] x;
    private final float[] w;
    private final float[] aux;
    /** The batch's levels: {@link GroupFits#laneLevels} from {@link #base}. */
    private float[] levels;
    private int base;
    // per lane: running minimum, maximum, sums of weights and of weighted values, best error, scale
    private final float[] min = new float[N];
    private final float[] max = new float[N];
    private final float[] sumW = new float[N];
    private final float[] sumX = new float[N];
    private final float[] best = new float[N];
    private final float[] scale = new float[N];

    private Qkx2Lanes(Qkx2Fit.Params p) {
        this.p = p;
        this.n = p.groupSize();
        this.x = new float[n * N];
        this.w = new float[n * N];
        this.aux = new float[n * N];
    }

    /** As {@link Qkx2Fit#fit}, into lane-searched {@code fits}. */
    static void fit(Qkx2Fit.Params p, float[] x, int o, int groups, GroupFits fits) {
        Qkx2Lanes lanes = new Qkx2Lanes(p);
        lanes.levels = fits.laneLevels;
        int n = p.groupSize();
        for (int g = 0; g < groups; g += N) {
            int count = Math.min(N, groups - g);
            Lanes.transpose(x, o + g * n, n, count, lanes.x, 0);
            lanes.base = fits.batchBase(g / N);
            lanes.weigh();
            boolean anyFlat = lanes.start();
            for (int step = 0; step <= p.nstep(); step++) {
                lanes.step(p.rmin() + p.rdelta() * step + p.nmax());
            }
            if (anyFlat) {
                lanes.flatten();
            }
            for (int k = 0; k < count; k++) {
                fits.scales[g + k] = lanes.scale[k];
                fits.mins[g + k] = -lanes.min[k];
            }
        }
    }

    /** The weights; 0 + |x| is |x|, so plain magnitudes take the same path with a zero base. */
    private void weigh() {
        FloatVector base = FloatVector.zero(F);
        if (p.weights() == Qkx2Fit.Weights.RMS_PLUS_MAGNITUDE) {
            FloatVector sumX2 = FloatVector.zero(F);
            for (int i = 0; i < n; i++) {
                FloatVector xi = FloatVector.fromArray(F, x, i * N);
                sumX2 = sumX2.add(xi.mul(xi));
            }
            base = sumX2.div(n).lanewise(VectorOperators.SQRT);
        }
        for (int i = 0; i < n; i++) {
            base.add(FloatVector.fromArray(F, x, i * N).abs()).intoArray(w, i * N);
        }
    }

    /** Range, sums, the first levels and their error; whether a lane is flat (ggml returns early there). */
    private boolean start() {
        FloatVector x0 = FloatVector.fromArray(F, x, 0);
        FloatVector w0 = FloatVector.fromArray(F, w, 0);
        FloatVector lo = x0;
        FloatVector hi = x0;
        FloatVector sw = w0;
        FloatVector sx = w0.mul(x0);
        for (int i = 1; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, x, i * N);
            FloatVector wi = FloatVector.fromArray(F, w, i * N);
            lo = lo.blend(xi, xi.compare(VectorOperators.LT, lo));
            hi = hi.blend(xi, xi.compare(VectorOperators.GT, hi));
            sw = sw.add(wi);
            sx = sx.add(wi.mul(xi));
        }
        lo = lo.blend(0f, lo.compare(VectorOperators.GT, 0f));
        FloatVector iscale = FloatVector.broadcast(F, (float) p.nmax()).div(hi.sub(lo));
        FloatVector s = FloatVector.broadcast(F, 1f).div(iscale);
        FloatVector error = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, x, i * N);
            FloatVector l = (FloatVector) iscale.mul(xi.sub(lo)).add(12582912f).reinterpretAsInts().and(0x7FFFFF)
                    .sub(0x400000).max(0).min(p.nmax()).convert(VectorOperators.I2F, 0);
            l.intoArray(levels, base + i * N);
            FloatVector diff = s.mul(l).add(lo).sub(xi).abs();
            error = error.add(FloatVector.fromArray(F, w, i * N).mul(p.mad() ? diff : diff.mul(diff)));
        }
        lo.intoArray(min, 0);
        hi.intoArray(max, 0);
        sw.intoArray(sumW, 0);
        sx.intoArray(sumX, 0);
        error.intoArray(best, 0);
        s.intoArray(scale, 0);
        return hi.compare(VectorOperators.EQ, lo).anyTrue();
    }

    /** One of ggml's steps, {@code iscale = numerator / (max - min)} from the current minimum. */
    private void step(float numerator) {
        FloatVector lo = FloatVector.fromArray(F, min, 0);
        FloatVector iscale = FloatVector.broadcast(F, numerator).div(FloatVector.fromArray(F, max, 0).sub(lo));
        FloatVector sumL = FloatVector.zero(F);
        FloatVector sumL2 = FloatVector.zero(F);
        FloatVector sumXL = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, x, i * N);
            FloatVector l = (FloatVector) iscale.mul(xi.sub(lo)).add(12582912f).reinterpretAsInts().and(0x7FFFFF)
                    .sub(0x400000).max(0).min(p.nmax()).convert(VectorOperators.I2F, 0);
            l.intoArray(aux, i * N);
            FloatVector wl = FloatVector.fromArray(F, w, i * N).mul(l);
            sumL = sumL.add(wl);
            sumL2 = sumL2.add(wl.mul(l));
            sumXL = sumXL.add(wl.mul(xi));
        }
        FloatVector sw = FloatVector.fromArray(F, sumW, 0);
        FloatVector sx = FloatVector.fromArray(F, sumX, 0);
        FloatVector det = sw.mul(sumL2).sub(sumL.mul(sumL));
        VectorMask<Float> solvable = det.compare(VectorOperators.GT, 0f);
        if (!solvable.anyTrue()) {
            return;
        }
        FloatVector thisScale = sw.mul(sumXL).sub(sx.mul(sumL)).div(det);
        FloatVector thisMin = sumL2.mul(sx).sub(sumL.mul(sumXL)).div(det);
        VectorMask<Float> positive = thisMin.compare(VectorOperators.GT, 0f);
        thisMin = thisMin.blend(0f, positive);
        thisScale = thisScale.blend(sumXL.div(sumL2), positive);
        FloatVector error = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector diff = thisScale.mul(FloatVector.fromArray(F, aux, i * N)).add(thisMin)
                    .sub(FloatVector.fromArray(F, x, i * N)).abs();
            error = error.add(FloatVector.fromArray(F, w, i * N).mul(p.mad() ? diff : diff.mul(diff)));
        }
        FloatVector b = FloatVector.fromArray(F, best, 0);
        VectorMask<Float> better = solvable.and(error.compare(VectorOperators.LT, b));
        if (better.anyTrue()) {
            for (int i = 0; i < n; i++) {
                FloatVector.fromArray(F, levels, base + i * N).blend(FloatVector.fromArray(F, aux, i * N), better)
                        .intoArray(levels, base + i * N);
            }
            b.blend(error, better).intoArray(best, 0);
            FloatVector.fromArray(F, scale, 0).blend(thisScale, better).intoArray(scale, 0);
            lo.blend(thisMin, better).intoArray(min, 0);
        }
    }

    /** ggml's early return for a group whose maximum equals its clamped minimum: levels 0, scale 0. */
    private void flatten() {
        // no step moves a flat lane (its levels are 0, so det is 0): min is still the starting one
        VectorMask<Float> flat = FloatVector.fromArray(F, max, 0).compare(VectorOperators.EQ, FloatVector.fromArray(F, min, 0));
        for (int i = 0; i < n; i++) {
            FloatVector.fromArray(F, levels, base + i * N).blend(0f, flat).intoArray(levels, base + i * N);
        }
        FloatVector.fromArray(F, scale, 0).blend(0f, flat).intoArray(scale, 0);
    }
}
