package dev.requant.kernels.internal.ggml;

import static dev.requant.kernels.internal.ggml.Lanes.F;
import static dev.requant.kernels.internal.ggml.Lanes.N;

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
        float[] max = new float[N];
        float[] amax = new float[N];
        float[] scale = new float[N];
        for (int g = 0; g < groups; g += N) {
            int count = Math.min(N, groups - g);
            Lanes.transpose(x, o + g * N16, N16, count, xt, 0);
            Lanes.signedMax(xt, 0, N16, max, amax, 0);
            fitBatch(xt, max, amax, fits.laneLevels, fits.batchBase(g / N), aux, scale);
            System.arraycopy(scale, 0, fits.scales, g, count);
        }
    }

    private static void fitBatch(float[] xt, float[] maxLanes, float[] amaxLanes, float[] levels, int base, float[] aux,
            float[] scaleOut) {
        FloatVector max = FloatVector.fromArray(F, maxLanes, 0);
        VectorMask<Float> zero = FloatVector.fromArray(F, amaxLanes, 0).compare(VectorOperators.LT, 1e-15f);

        FloatVector iscale = FloatVector.broadcast(F, (float) -NMAX).div(max);
        FloatVector sumLX = FloatVector.zero(F);
        FloatVector sumL2 = FloatVector.zero(F);
        for (int i = 0; i < N16; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, i * N);
            FloatVector l = (FloatVector) iscale.mul(xi).add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000)
                    .max(-NMAX).min(NMAX - 1).convert(VectorOperators.I2F, 0);
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
                FloatVector l = (FloatVector) iscale.mul(xi).add(12582912f).reinterpretAsInts().and(0x7FFFFF).sub(0x400000)
                    .max(-NMAX).min(NMAX - 1).convert(VectorOperators.I2F, 0);
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
}
