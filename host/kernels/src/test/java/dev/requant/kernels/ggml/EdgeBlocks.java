package dev.requant.kernels.ggml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Blocks of 32 values that probe the corners of ggml's quantizers: every magnitude from the
 * smallest subnormal (where {@code 1/d} overflows) to near {@code FLT_MAX}, values around f16
 * overflow of the scale, signed zeros, rounding ties, equal-magnitude extremes of both signs,
 * constant blocks, infinities and NaNs in every lane, and raw random bit patterns.
 */
final class EdgeBlocks {
    private static final float[] SCALES = {1e-45f, 3e-45f, 1e-44f, 1e-42f, 1e-40f, 3e-39f, 5e-39f, 1.2e-38f, 2e-38f,
        1e-37f, 1e-30f, 1e-3f, 1, 1e3f, 65504, 65504 * 8, 65520 * 8, 65504 * 16, 65504 * 127, 65520 * 127,
        65504 * 31, 1e30f, 3e38f};
    private static final float[] SPECIALS = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFC12345), 0f, -0f, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE};

    private EdgeBlocks() {
    }

    /** The blocks one after another. */
    static float[] all(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<float[]> blocks = new ArrayList<>();
        for (float scale : SCALES) {
            for (int i = 0; i < 8; i++) {
                blocks.add(fill(() -> (float) (rnd.nextGaussian() * scale)));
                blocks.add(fill(() -> (float) (rnd.nextDouble(-1, 1) * scale)));
                blocks.add(fill(() -> (float) Math.abs(rnd.nextGaussian() * scale)));
                blocks.add(fill(() -> (float) -Math.abs(rnd.nextGaussian() * scale)));
                float[] zeros = fill(() -> (float) (rnd.nextGaussian() * scale));
                zeros[rnd.nextInt(32)] = 0f;
                zeros[rnd.nextInt(32)] = -0f;
                blocks.add(zeros);
            }
        }
        for (float special : SPECIALS) {
            for (int lane = 0; lane < 32; lane++) {
                float[] b = fill(() -> (float) rnd.nextGaussian());
                b[lane] = special;
                blocks.add(b);
                float[] alone = new float[32];
                alone[lane] = special;
                blocks.add(alone);
            }
            float[] constant = new float[32];
            Arrays.fill(constant, special);
            blocks.add(constant);
        }
        for (int i = 0; i < 64; i++) {
            blocks.add(fill(() -> SPECIALS[rnd.nextInt(SPECIALS.length)]));
            blocks.add(fill(() -> Float.intBitsToFloat(rnd.nextInt())));
            blocks.add(fill(() -> rnd.nextBoolean() ? 0f : -0f));
        }
        for (int i = 0; i < 32; i++) {
            // exact ties of x/d + 8.5, x/d + 16.5, (x-min)/d + 0.5 and roundf(x/d)
            blocks.add(withExtreme(fill(() -> rnd.nextInt(-8, 8) + 0.5f), i, -8));
            blocks.add(withExtreme(fill(() -> rnd.nextInt(-16, 16) + 0.5f), i, -16));
            blocks.add(withExtreme(fill(() -> rnd.nextInt(-127, 127) + 0.5f), i, 127));
            float[] ramp = fill(() -> rnd.nextInt(0, 31) + 0.5f);
            ramp[i] = 0;
            ramp[(i + 7) % 32] = 31;
            blocks.add(ramp);
            // the largest magnitude twice, with both signs, in either order
            float a = (float) rnd.nextDouble(0.1, 10);
            float[] both = fill(() -> (float) rnd.nextDouble(-a, a));
            both[i] = a;
            both[(i + 1 + rnd.nextInt(31)) % 32] = -a;
            blocks.add(both);
            float[] mirrored = both.clone();
            for (int j = 0; j < 32; j++) {
                mirrored[j] = -mirrored[j];
            }
            blocks.add(mirrored);
        }
        float[] all = new float[blocks.size() * 32];
        for (int i = 0; i < blocks.size(); i++) {
            System.arraycopy(blocks.get(i), 0, all, i * 32, 32);
        }
        return all;
    }

    private interface FloatSource {
        float next();
    }

    private static float[] fill(FloatSource source) {
        float[] b = new float[32];
        for (int j = 0; j < 32; j++) {
            b[j] = source.next();
        }
        return b;
    }

    private static float[] withExtreme(float[] block, int lane, float extreme) {
        block[lane] = extreme;
        return block;
    }
}
