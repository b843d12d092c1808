package dev.requant.kernels.internal.ggml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Blocks of 32 values that probe the corners of ggml's quantizers: every magnitude from the
 * smallest subnormal (where {@code 1/d} overflows) to near {@code FLT_MAX}, values around f16
 * overflow of the scale, signed zeros, rounding ties, equal-magnitude extremes of both signs,
 * constant blocks, infinities and NaNs in every lane, and raw random bit patterns. Runs of them
 * make super-blocks of 256 whose groups differ wildly; the super-blocks added at the end probe
 * what happens between groups: one group so much smaller than the others that its scale code
 * rounds to zero (it keeps its search's levels), a different magnitude per group, one sign only,
 * constant groups, one value per group.
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

    /** The blocks one after another, then the super-blocks, padded with noise to whole blocks of {@code blockSize}. */
    static float[] all(long seed, int blockSize) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED);
        float[] blocks = all(seed);
        List<float[]> supers = superBlocks(rnd);
        int start = (blocks.length + 255) / 256 * 256;
        int end = start + supers.size() * 256;
        float[] all = new float[(end + blockSize - 1) / blockSize * blockSize];
        System.arraycopy(blocks, 0, all, 0, blocks.length);
        for (int i = blocks.length; i < start; i++) {
            all[i] = (float) rnd.nextGaussian();
        }
        for (int k = 0; k < supers.size(); k++) {
            System.arraycopy(supers.get(k), 0, all, start + 256 * k, 256);
        }
        for (int i = end; i < all.length; i++) {
            all[i] = (float) rnd.nextGaussian();
        }
        return all;
    }

    private static List<float[]> superBlocks(SplittableRandom rnd) {
        List<float[]> supers = new ArrayList<>();
        for (int group : new int[] {16, 32}) {
            for (int small = 0; small < 256 / group; small += 3) {
                for (double ratio : new double[] {1e-2, 1e-3, 1e-5, 0}) {
                    float[] s = new float[256];
                    for (int i = 0; i < 256; i++) {
                        s[i] = (float) (rnd.nextGaussian() * (i / group == small ? ratio : 1));
                    }
                    supers.add(s);
                }
            }
        }
        for (int i = 0; i < 8; i++) {
            float[] scaled = new float[256];
            float[] positive = new float[256];
            float[] negative = new float[256];
            float[] constants = new float[256];
            float[] sparse = new float[256];
            for (int j = 0; j < 256; j++) {
                scaled[j] = (float) (rnd.nextGaussian() * Math.pow(10, (j / 32 + i) % 8 - 4));
                positive[j] = (float) Math.abs(rnd.nextGaussian()) + (i % 2 == 0 ? 0 : 3);
                negative[j] = -positive[j];
                constants[j] = (j / 16) % (i + 1) - 2.5f;
                sparse[j] = j % 16 == (i + j / 16) % 16 ? (float) rnd.nextGaussian() : 0f;
            }
            supers.addAll(List.of(scaled, positive, negative, constants, sparse));
        }
        return supers;
    }

    /** The blocks of 32 one after another. */
    private static float[] all(long seed) {
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
