package dev.requant.kernels.internal.intpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorIntPackKernels} gives the bits of {@link ScalarIntPackKernels}: every packing from
 * 1 to 8 bits, runs that start and end anywhere (vector heads and tails, the end of the word
 * array), any group size, scattered group indexes, and float edge cases among the scales;
 * interpreted and compiled.
 */
class IntPackEquivalenceTest {
    private static final IntPackKernels SCALAR = ScalarIntPackKernels.INSTANCE;
    private static final IntPackKernels VECTOR = VectorIntPackKernels.INSTANCE;
    /** Enough repetitions for the JIT to compile the kernels: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;
    private static final int[] COUNTS = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 1000};
    private static final int SENTINEL = 0x5A5A5A5A;

    @Test
    void unpackAlike() {
        SplittableRandom rnd = new SplittableRandom(1);
        int[] words = new int[400];
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < words.length; i++) {
                words[i] = rnd.nextInt();
            }
            for (int bits = 1; bits <= 8; bits++) {
                for (IntPacking p : new IntPacking[] {IntPacking.stream(bits), IntPacking.wordAligned(bits)}) {
                    long capacity = fieldsIn(p, words.length);
                    for (int first : new int[] {0, 1, 5, 8, 16, 31, 32, 33, 70}) {
                        for (int count : COUNTS) {
                            assertUnpackAlike(p, words, first, (int) Math.min(count, capacity - first), round % 3);
                        }
                    }
                    // the very end of the words: no vector may read past them
                    for (int count : new int[] {1, 9, 40, 97}) {
                        assertUnpackAlike(p, words, (int) (capacity - count), count, 1);
                    }
                }
            }
        }
    }

    private static long fieldsIn(IntPacking p, int words) {
        long n = (long) words * 32 / p.bits();
        while (p.wordsFor(n) > words) {
            n--;
        }
        return n;
    }

    private static void assertUnpackAlike(IntPacking p, int[] words, int first, int count, int codesOffset) {
        int[] scalar = new int[codesOffset + count + 2];
        int[] vector = new int[scalar.length];
        Arrays.fill(scalar, SENTINEL);
        Arrays.fill(vector, SENTINEL);
        SCALAR.unpack(p, words, first, count, scalar, codesOffset);
        VECTOR.unpack(p, words, first, count, vector, codesOffset);
        assertThat(vector).as("%s from field %d, %d fields", p, first, count).isEqualTo(scalar);
    }

    @Test
    void unpackAcrossAlike() {
        SplittableRandom rnd = new SplittableRandom(2);
        int[] awq = {0, 2, 4, 6, 1, 3, 5, 7};
        for (int round = 0; round < ROUNDS; round++) {
            for (int bits : new int[] {2, 4, 8}) {
                int fields = 32 / bits;
                int[] order = bits == 4 ? awq : identity(fields);
                for (int count : COUNTS) {
                    int[] words = rnd.ints(count).toArray();
                    int stride = count + 3;
                    int[] scalar = new int[1 + fields * stride];
                    int[] vector = new int[scalar.length];
                    Arrays.fill(scalar, SENTINEL);
                    Arrays.fill(vector, SENTINEL);
                    SCALAR.unpackAcross(bits, words, count, order, scalar, 1, stride);
                    VECTOR.unpackAcross(bits, words, count, order, vector, 1, stride);
                    assertThat(vector).as("%d bits across, %d words", bits, count).isEqualTo(scalar);
                }
            }
        }
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    @Test
    void dequantGroupsAlike() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < ROUNDS; round++) {
            for (int groupSize : new int[] {1, 3, 7, 8, 16, 32, 33, 64, 128, 1000, Integer.MAX_VALUE}) {
                for (int count : COUNTS) {
                    int groups = (int) Math.max(1, ((long) count + groupSize - 1) / groupSize);
                    int[] codes = codes(rnd, count + 2);
                    int[] zeros = codes(rnd, groups);
                    float[] scales = scales(rnd, groups);
                    float[] scalar = floats(count + 3);
                    float[] vector = floats(count + 3);
                    SCALAR.dequantGroups(codes, 2, count, groupSize, zeros, scales, scalar, 1);
                    VECTOR.dequantGroups(codes, 2, count, groupSize, zeros, scales, vector, 1);
                    Bits.assertSameBits(scalar, vector, "groups of " + groupSize + ", " + count + " values");
                }
            }
        }
    }

    @Test
    void dequantIndexedAlike() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int round = 0; round < ROUNDS; round++) {
            for (int groups : new int[] {1, 2, 5, 40}) {
                for (int count : COUNTS) {
                    int[] codes = codes(rnd, count);
                    int[] index = rnd.ints(count + 1, 0, groups).toArray();
                    int[] zeros = codes(rnd, groups);
                    float[] scales = scales(rnd, groups);
                    float[] scalar = floats(count + 2);
                    float[] vector = floats(count + 2);
                    SCALAR.dequantIndexed(codes, 0, count, index, 1, zeros, scales, scalar, 2);
                    VECTOR.dequantIndexed(codes, 0, count, index, 1, zeros, scales, vector, 2);
                    Bits.assertSameBits(scalar, vector, groups + " scattered groups, " + count + " values");
                }
            }
        }
    }

    @Test
    void widenI8Alike() {
        SplittableRandom rnd = new SplittableRandom(5);
        byte[] bytes = new byte[300];
        rnd.nextBytes(bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(bytes.length);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, offHeap, 0, bytes.length);
            for (int round = 0; round < ROUNDS; round++) {
                for (MemorySegment src : new MemorySegment[] {MemorySegment.ofArray(bytes), offHeap}) {
                    for (int offset : new int[] {0, 1, 7}) {
                        for (int count : COUNTS) {
                            int n = Math.min(count, bytes.length - offset);
                            int[] scalar = new int[n + 1];
                            int[] vector = new int[n + 1];
                            SCALAR.widenI8(src, offset, scalar, 1, n);
                            VECTOR.widenI8(src, offset, vector, 1, n);
                            assertThat(vector).as("%d bytes from %d", n, offset).isEqualTo(scalar);
                        }
                    }
                }
            }
        }
    }

    /** Codes from the whole int range, mostly small, as stored codes and zero points are. */
    private static int[] codes(SplittableRandom rnd, int n) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = switch (rnd.nextInt(8)) {
                case 0 -> rnd.nextInt();
                case 1 -> rnd.nextInt(-128, 128);
                default -> rnd.nextInt(256);
            };
        }
        return c;
    }

    /** Scales of every kind: normal, subnormal, zero of either sign, infinite, NaN with payloads. */
    private static float[] scales(SplittableRandom rnd, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = switch (rnd.nextInt(10)) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt());
                case 1 -> rnd.nextBoolean() ? 0f : -0f;
                case 2 -> Float.MIN_VALUE * rnd.nextInt(1, 1000);
                case 3 -> rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.intBitsToFloat(0x7F800001 + rnd.nextInt(1000));
                default -> (float) (rnd.nextGaussian() * 1e-3);
            };
        }
        return s;
    }

    private static float[] floats(int n) {
        float[] f = new float[n];
        Arrays.fill(f, -7f);
        return f;
    }
}
