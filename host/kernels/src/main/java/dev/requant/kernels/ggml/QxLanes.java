package dev.requant.kernels.ggml;

import static dev.requant.kernels.ggml.Lanes.F;
import static dev.requant.kernels.ggml.Lanes.N;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** {@link QxFit} with one vector lane per group, each lane doing its group's operations in ggml's order. */
final class QxLanes {
    private static final int N16 = QxFit.GROUP;
    private static final int NMAX = QxFit.NMAX;

    private QxLanes() {
    }

    /** As {@link QxFit#fit}, into lane-searched {@code fits}. */
    static void fit(float[] x, int o, int groups, GroupFits fits) {
        float[] xt = new float[N16 * N];
        float[] aux = new float[N16 * N];
        float[] scale = new float[N];
        for (int g = 0; g < groups; g += N) {
            int count = Math.min(N, groups - g);
            Lanes.transpose(x, o + g * N16, N16, count, xt, 0);
            fitBatch(xt, fits.laneLevels, fits.batchBase(g / N), aux, scale);
            System.arraycopy(scale, 0, fits.scales, g, count);
        }
    }

    private static void fitBatch(float[] xt, float[] levels, int base, float[] aux, float[] scaleOut) {
        FloatVector amax = FloatVector.zero(F);
        FloatVector max = FloatVector.zero(F);
        for (int i = 0; i < N16; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            VectorMask<Float> larger = xi.abs().compare(VectorOperators.GT, amax);
            amax = amax.blend(xi.abs(), larger);
            max = max.blend(xi, larger);
        }
        VectorMask<Float> zero = amax.compare(VectorOperators.LT, 1e-15f);

        FloatVector iscale = FloatVector.broadcast(F, (float) -NMAX).div(max);
        FloatVector sumLX = FloatVector.zero(F);
        FloatVector sumL2 = FloatVector.zero(F);
        for (int i = 0; i < N16; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            FloatVector l = level(iscale.mul(xi));
            l.add(NMAX).intoArray(levels, base + i * N);
            FloatVector w = xi.mul(xi);
            sumLX = sumLX.add(w.mul(xi).mul(l));
            sumL2 = sumL2.add(w.mul(l).mul(l));
        }
        FloatVector scale = sumLX.div(sumL2).blend(0f, sumL2.compare(VectorOperators.EQ, 0f));
        FloatVector best = scale.mul(sumLX);
        for (int step = -9; step <= 9; step++) {
            if (step == 0) {
                continue;
            }
            iscale = FloatVector.broadcast(F, -(NMAX + 0.1f * step)).div(max);
            sumLX = FloatVector.zero(F);
            sumL2 = FloatVector.zero(F);
            for (int i = 0; i < N16; i++) {
                FloatVector xi = FloatVector.fromArray(F, xt, i * N);
                FloatVector l = level(iscale.mul(xi));
                l.add(NMAX).intoArray(aux, i * N);
                FloatVector w = xi.mul(xi);
                sumLX = sumLX.add(w.mul(xi).mul(l));
                sumL2 = sumL2.add(w.mul(l).mul(l));
            }
            VectorMask<Float> better = sumL2.compare(VectorOperators.GT, 0f)
                    .and(sumLX.mul(sumLX).compare(VectorOperators.GT, best.mul(sumL2)));
            if (better.anyTrue()) {
                for (int i = 0; i < N16; i++) {
                    FloatVector.fromArray(F, levels, base + i * N)
                            .blend(FloatVector.fromArray(F, aux, i * N), better)
                            .intoArray(levels, base + i * N);
                }
                scale = scale.blend(sumLX.div(sumL2), better);
                best = best.blend(scale.mul(sumLX), better);
            }
        }
        if (zero.anyTrue()) {
            for (int i = 0; i < N16; i++) {
                FloatVector.fromArray(F, levels, base + i * N).blend(0f, zero).intoArray(levels, base + i * N);
            }
            scale = scale.blend(0f, zero);
        }
        scale.intoArray(scaleOut, 0);
    }

    /** {@code clamp(nearest_int(v), -32, 31)} as a float. */
    private static FloatVector level(FloatVector v) {
        return (FloatVector) Lanes.nearestInt(v).max(-NMAX).min(NMAX - 1).convert(VectorOperators.I2F, 0);
    }
}
