package dev.requant.kernels.internal.affine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.affine.AffineKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VectorAffineKernels} gives the codes and floats of {@link ScalarAffineKernels}: every bit
 * width and word size, signed and unsigned, any count (vector tails), any offset, heap and native
 * memory, windows that end at the end of memory, NaN, infinite and subnormal scales; interpreted
 * and compiled.
 */
class AffineEquivalenceTest {
    private static final AffineKernels SCALAR = ScalarAffineKernels.INSTANCE;
    private static final AffineKernels VECTOR = VectorAffineKernels.INSTANCE;
    /** Enough repetitions for the JIT to compile the kernels: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;
    private static final int[] COUNTS = {0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 160, 257, 1000};
    private static final int SENTINEL = 0x5A5A5A5A;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void streamsUnpackAlike(int bits) {
        byte[] data = random(bits, 4096);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(data);
            MemorySegment mapped = arena.allocate(data.length).copyFrom(heap);
            for (int round = 0; round < ROUNDS; round++) {
                for (int count : COUNTS) {
                    for (long offset : new long[] {0, 1, 5, 64}) {
                        assertStreamsAlike(heap, offset, bits, count);
                        assertStreamsAlike(mapped, offset, bits, count);
                    }
                    // the last values of memory: no window may read past its end
                    long bytes = ((long) count * bits + 7) / 8;
                    assertStreamsAlike(heap, data.length - bytes, bits, count);
                    assertStreamsAlike(mapped, data.length - bytes, bits, count);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void wordsUnpackAlike(int bits) {
        byte[] data = random(10 + bits, 8192);
        MemorySegment src = MemorySegment.ofArray(data);
        for (int round = 0; round < ROUNDS; round++) {
            for (int wordBytes : new int[] {1, 2, 4, 8}) {
                if (round > 0 && wordBytes != 4 && 8 * wordBytes % bits != 0) {
                    // no vector path for these: the scalar code on both sides, once is enough
                    continue;
                }
                int perWord = 8 * wordBytes / bits;
                for (int count : COUNTS) {
                    long bytes = (long) (count + perWord - 1) / perWord * wordBytes;
                    for (long offset : new long[] {0, 3, data.length - bytes}) {
                        for (boolean signed : new boolean[] {false, true}) {
                            int[] s = filled(count + 2);
                            int[] v = filled(count + 2);
                            SCALAR.unpackWords(src, offset, wordBytes, bits, signed, s, 1, count);
                            VECTOR.unpackWords(src, offset, wordBytes, bits, signed, v, 1, count);
                            assertThat(v).as("%d-bit in %d-byte words, %d values from %d, signed %s", bits,
                                    wordBytes, count, offset, signed).containsExactly(s);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void fieldsExtractAlike(int bits) {
        byte[] data = random(20 + bits, 8192);
        MemorySegment src = MemorySegment.ofArray(data);
        for (int round = 0; round < ROUNDS; round++) {
            // only int32 words have a vector path: the other widths share the scalar code, once is enough
            for (int wordBytes : round == 0 ? new int[] {1, 2, 4, 8} : new int[] {4}) {
                int top = 8 * wordBytes - bits;
                for (int shift : new int[] {0, top / 2, top}) {
                    for (int count : COUNTS) {
                        for (long offset : new long[] {0, 1, data.length - (long) count * wordBytes}) {
                            for (boolean signed : new boolean[] {false, true}) {
                                int[] s = filled(count + 2);
                                int[] v = filled(count + 2);
                                SCALAR.extractField(src, offset, wordBytes, shift, bits, signed, s, 1, count);
                                VECTOR.extractField(src, offset, wordBytes, shift, bits, signed, v, 1, count);
                                assertThat(v).as("bits [%d, %d) of %d %d-byte words from %d, signed %s", shift,
                                        shift + bits, count, wordBytes, offset, signed).containsExactly(s);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8, 32, 64, 128})
    void scaleBiasAlike(int groupSize) {
        SplittableRandom rnd = new SplittableRandom(groupSize);
        for (int round = 0; round < ROUNDS; round++) {
            for (int count : COUNTS) {
                int groups = (count + groupSize - 1) / groupSize + 2;
                int[] q = codes(rnd, count + 3, 255);
                float[] scales = floats(rnd, groups);
                float[] biases = floats(rnd, groups);
                float[] s = new float[count + 4];
                float[] v = new float[count + 4];
                Arrays.fill(s, -7f);
                Arrays.fill(v, -7f);
                SCALAR.scaleBias(q, 3, scales, biases, 1, groupSize, s, 2, count);
                VECTOR.scaleBias(q, 3, scales, biases, 1, groupSize, v, 2, count);
                Bits.assertSameBits(s, v, "scale * q + bias, group " + groupSize + ", " + count + " values");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8, 32, 64, 128})
    void zeroScaleAlike(int groupSize) {
        SplittableRandom rnd = new SplittableRandom(100 + groupSize);
        for (int round = 0; round < ROUNDS; round++) {
            for (int count : COUNTS) {
                int groups = (count + groupSize - 1) / groupSize + 2;
                int[] q = codes(rnd, count + 3, 511);
                int[] zeros = codes(rnd, groups, 511);
                float[] scales = floats(rnd, groups);
                float[] s = new float[count + 4];
                float[] v = new float[count + 4];
                SCALAR.zeroScale(q, 3, zeros, scales, 1, groupSize, s, 2, count);
                VECTOR.zeroScale(q, 3, zeros, scales, 1, groupSize, v, 2, count);
                Bits.assertSameBits(s, v, "(q - zero) * scale, group " + groupSize + ", " + count + " values");
            }
        }
    }

    @Test
    void zeroScaleGatherAlike() {
        SplittableRandom rnd = new SplittableRandom(77);
        for (int round = 0; round < ROUNDS; round++) {
            for (int count : COUNTS) {
                int groups = 1 + count / 16;
                int[] q = codes(rnd, count + 1, 255);
                int[] zeros = codes(rnd, groups, 255);
                float[] scales = floats(rnd, groups);
                int[] index = codes(rnd, count + 5, groups - 1);
                float[] s = new float[count + 1];
                float[] v = new float[count + 1];
                SCALAR.zeroScaleGather(q, 1, zeros, scales, index, 5, s, 1, count);
                VECTOR.zeroScaleGather(q, 1, zeros, scales, index, 5, v, 1, count);
                Bits.assertSameBits(s, v, "(q - zero[g]) * scale[g] by g_idx, " + count + " values");
            }
        }
    }

    private static void assertStreamsAlike(MemorySegment src, long offset, int bits, int count) {
        int[] s = filled(count + 3);
        int[] v = filled(count + 3);
        SCALAR.unpackStream(src, offset, bits, s, 2, count);
        VECTOR.unpackStream(src, offset, bits, v, 2, count);
        assertThat(v).as("%d-bit stream, %d values from %d (%s)", bits, count, offset,
                src.isNative() ? "native" : "heap").containsExactly(s);
        assertThat(v[v.length - 1]).isEqualTo(SENTINEL);
    }

    private static byte[] random(long seed, int length) {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static int[] filled(int length) {
        int[] a = new int[length];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    private static int[] codes(SplittableRandom rnd, int length, int max) {
        int[] a = new int[length];
        for (int i = 0; i < length; i++) {
            a[i] = rnd.nextInt(max + 1);
        }
        return a;
    }

    /** Ordinary scales mostly, and every special kind: NaNs with payloads, infinities, zeros, subnormals. */
    private static float[] floats(SplittableRandom rnd, int length) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = switch (rnd.nextInt(12)) {
                case 0 -> Float.intBitsToFloat(0x7F800001 + rnd.nextInt(0x7FFFFF) | (rnd.nextBoolean() ? 0x80000000 : 0));
                case 1 -> rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                case 2 -> rnd.nextBoolean() ? 0f : -0f;
                case 3 -> Float.intBitsToFloat(rnd.nextInt(1, 0x7FFFFF));
                case 4 -> Float.intBitsToFloat(rnd.nextInt());
                default -> (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-20, 4)));
            };
        }
        return a;
    }
}
