package dev.requant.kernels.internal.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.bnb.BnbEncodeKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Vector API bitsandbytes quantizers give the scalar references' bytes and scales bit for bit:
 * random values of many magnitudes, values on and next to every threshold of both trees, zeros of
 * both signs, infinities and NaNs, all-zero blocks, odd counts and block sizes that are not
 * multiples of the vector width.
 */
class BnbEncodeEquivalenceTest {
    private static final int ROUNDS = 12;
    private static final int[] BLOCK_SIZES = {1, 7, 32, 64, 128, 256};
    private static final float[] THRESHOLDS = {-0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f,
        -0.33967943489551544f, -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f,
        0.03979014977812767f, 0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f, 0.00260417f, 0.0859375f, 0.20833333f,
        0.29166667f, 0.4166667f, 0.583333f, 0.8333333f, -0.00260417f, -0.0859375f, -0.20833333f, -0.29166667f,
        -0.4166667f, -0.583333f, -0.8333333f};
    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, -1f};

    private final BnbEncodeKernels scalar = ScalarBnbEncodeKernels.INSTANCE;
    private final BnbEncodeKernels vector = VectorBnbEncodeKernels.INSTANCE;

    /** Values in [-1, 1] as normalized by absmax 1 (one block in 4 has a 1), thresholds and their neighbours. */
    private static float[] values(SplittableRandom rnd, int n, boolean specials) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            if (kind < 3) {
                float t = THRESHOLDS[rnd.nextInt(THRESHOLDS.length)];
                v[i] = switch (rnd.nextInt(3)) {
                    case 0 -> t;
                    case 1 -> Math.nextUp(t);
                    default -> Math.nextDown(t);
                };
            } else if (kind == 3 && specials) {
                v[i] = SPECIAL[rnd.nextInt(SPECIAL.length)];
            } else {
                v[i] = (float) (rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-6, 3)));
            }
        }
        return v;
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    @ParameterizedTest
    @EnumSource(FourBitCode.class)
    void fourBitCodesAndAbsmaxAlike(FourBitCode code) {
        SplittableRandom rnd = new SplittableRandom(5 + code.ordinal());
        for (int round = 0; round < ROUNDS; round++) {
            for (int blockSize : BLOCK_SIZES) {
                int n = rnd.nextInt(1, 4 * Math.max(blockSize, 40));
                int offset = rnd.nextInt(3);
                float[] src = new float[offset + n];
                System.arraycopy(values(rnd, n, round % 3 == 0), 0, src, offset, n);
                if (round % 4 == 1) {
                    java.util.Arrays.fill(src, offset, offset + Math.min(n, blockSize), 0f);
                }
                int blocks = (n + blockSize - 1) / blockSize;
                float[] sa = new float[blocks + 1];
                float[] va = new float[blocks + 1];
                scalar.absmax(src, offset, n, blockSize, sa, 1);
                vector.absmax(src, offset, n, blockSize, va, 1);
                Bits.assertSameBits(sa, va, code + " absmax, block " + blockSize + ", " + n + " values");
                float[] absmax = java.util.Arrays.copyOfRange(sa, 1, blocks + 1);
                if (round % 2 == 0) {
                    absmax[0] = 1f; // the thresholds themselves, unscaled
                }
                MemorySegment s = MemorySegment.ofArray(new byte[(n + 1) / 2 + 1]);
                MemorySegment v = MemorySegment.ofArray(new byte[(n + 1) / 2 + 1]);
                scalar.quantize4bit(code, src, offset, n, absmax, blockSize, s, 1);
                vector.quantize4bit(code, src, offset, n, absmax, blockSize, v, 1);
                assertThat(bytes(v)).as(code + " codes, block " + blockSize + ", " + n + " values").isEqualTo(bytes(s));
            }
        }
    }

    @Test
    void treesAreTheNearestLevelWithStrictThresholds() {
        // the level values themselves map to their own codes; a threshold maps to the lower code
        for (int c = 0; c < 16; c++) {
            assertThat(ScalarBnbEncodeKernels.nf4(FourBitCode.NF4.value(c))).as("nf4 %d", c).isEqualTo(c);
            if (c != 8) {
                assertThat(ScalarBnbEncodeKernels.fp4(FourBitCode.FP4.value(c))).as("fp4 %d", c).isEqualTo(c);
            }
        }
        assertThat(ScalarBnbEncodeKernels.fp4(-0f)).isZero();
        assertThat(ScalarBnbEncodeKernels.fp4(-0.001f)).isEqualTo(8);
        assertThat(ScalarBnbEncodeKernels.nf4(0.8614784181118011f)).isEqualTo(14);
        assertThat(ScalarBnbEncodeKernels.nf4(Math.nextUp(0.8614784181118011f))).isEqualTo(15);
        assertThat(ScalarBnbEncodeKernels.fp4(0.8333333f)).isEqualTo(2);
        assertThat(ScalarBnbEncodeKernels.fp4(Float.NaN)).isZero();
    }

    @Test
    void blockwise8bitAlike() {
        float[] map = new float[256];
        for (int i = 0; i < 256; i++) {
            map[i] = -1f + 2f * i / 255;
        }
        SplittableRandom rnd = new SplittableRandom(9);
        for (int round = 0; round < ROUNDS; round++) {
            int n = rnd.nextInt(1, 700);
            float[] src = values(rnd, n, round % 3 == 0);
            float[] sa = new float[3];
            float[] va = new float[3];
            MemorySegment s = MemorySegment.ofArray(new byte[n]);
            MemorySegment v = MemorySegment.ofArray(new byte[n]);
            scalar.quantizeBlockwise8bit(src, 0, n, map, 256, sa, s, 0);
            vector.quantizeBlockwise8bit(src, 0, n, map, 256, va, v, 0);
            Bits.assertSameBits(sa, va, "nested absmax");
            assertThat(bytes(v)).isEqualTo(bytes(s));
        }
        // the nearest entry, a midpoint keeping the entry the search ends on
        assertThat(ScalarBnbEncodeKernels.dynamic(map, 1f)).isEqualTo(255);
        assertThat(ScalarBnbEncodeKernels.dynamic(map, -1f)).isZero();
        assertThat(ScalarBnbEncodeKernels.dynamic(map, map[100] + 1e-4f)).isEqualTo(100);
        assertThat(ScalarBnbEncodeKernels.dynamic(map, map[99] - 1e-4f)).isEqualTo(99);
        for (int i = 0; i < 2000; i++) {
            float x = (float) rnd.nextDouble(-1.1, 1.1);
            int nearest = 0;
            for (int k = 1; k < 256; k++) {
                if (Math.abs(x - map[k]) < Math.abs(x - map[nearest])) {
                    nearest = k;
                }
            }
            assertThat(ScalarBnbEncodeKernels.dynamic(map, x)).as("%s", x).isEqualTo(nearest);
        }
    }

    @Test
    void int8RowsAlike() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int round = 0; round < ROUNDS; round++) {
            int rows = rnd.nextInt(1, 5);
            int rowLength = rnd.nextInt(1, 300);
            float[] src = values(rnd, rows * rowLength, round % 3 == 0);
            if (round % 4 == 2) {
                java.util.Arrays.fill(src, 0, rowLength, 0f);
            }
            float[] ss = new float[rows];
            float[] vs = new float[rows];
            MemorySegment s = MemorySegment.ofArray(new byte[rows * rowLength]);
            MemorySegment v = MemorySegment.ofArray(new byte[rows * rowLength]);
            scalar.quantizeInt8Rows(src, 0, rows, rowLength, s, 0, ss, 0);
            vector.quantizeInt8Rows(src, 0, rows, rowLength, v, 0, vs, 0);
            Bits.assertSameBits(ss, vs, "SCB");
            assertThat(bytes(v)).isEqualTo(bytes(s));
        }
        float[] halves = {127f, 0.5f, 1.5f, -0.5f, -2.5f, 63.5f};
        MemorySegment q = MemorySegment.ofArray(new byte[halves.length]);
        float[] scb = new float[1];
        scalar.quantizeInt8Rows(halves, 0, 1, halves.length, q, 0, scb, 0);
        assertThat(bytes(q)).containsExactly(127, 0, 2, 0, -2, 64);
    }
}
