package dev.requant.bench;

import java.util.SplittableRandom;

/** Benchmark input shaped like LLM weights: Gaussian values with a scale per row of 4096. */
final class Weights {
    /** 256 KiB of f32: the working set stays in the L2 cache, so kernels, not memory, are measured. */
    static final int VALUES = 1 << 16;

    private Weights() {
    }

    static float[] gaussianRows(int count) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] x = new float[count];
        double scale = 0.02;
        for (int i = 0; i < count; i++) {
            if (i % 4096 == 0) {
                scale = 0.005 + 0.05 * rnd.nextDouble();
            }
            x[i] = (float) (rnd.nextGaussian() * scale);
        }
        return x;
    }
}
