package dev.requant.kernels.internal.affine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.affine.AffineKernels;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scalar reference against packings built here independently (one big little-endian integer
 * per stream or word) and against values worked out by hand.
 */
class AffineReferenceTest {
    private static final AffineKernels K = ScalarAffineKernels.INSTANCE;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void streamGivesBackWhatWasPacked(int bits) {
        int[] values = values(bits, 203, bits);
        BigInteger stream = BigInteger.ZERO;
        for (int j = 0; j < values.length; j++) {
            stream = stream.or(BigInteger.valueOf(values[j]).shiftLeft(j * bits));
        }
        int[] out = new int[values.length];
        K.unpackStream(MemorySegment.ofArray(littleEndian(stream, (values.length * bits + 7) / 8)), 0, bits, out, 0,
                values.length);
        assertThat(out).containsExactly(values);
    }

    @Test
    void threeBitValuesCrossWordsAsMlxPacksThem() {
        // values 0..7 then 7..0, 3 bits each: 48 bits = 1.5 words; value 10 straddles the first word
        // boundary (bits 30..32)
        byte[] packed = {(byte) 0x88, (byte) 0xC6, (byte) 0xFA, (byte) 0x77, (byte) 0x39, (byte) 0x05};
        int[] out = new int[16];
        K.unpackStream(MemorySegment.ofArray(packed), 0, 3, out, 0, 16);
        assertThat(out).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void wordsGiveBackWhatWasPackedAndSkipTheirUnusedTopBits(int bits) {
        for (int wordBytes : new int[] {1, 2, 4, 8}) {
            int perWord = 8 * wordBytes / bits;
            int[] values = values(wordBytes * 10 + bits, 97, bits);
            int words = (values.length + perWord - 1) / perWord;
            byte[] packed = new byte[words * wordBytes];
            for (int w = 0; w < words; w++) {
                // unused top bits set: a reader must ignore them
                BigInteger word = BigInteger.ONE.shiftLeft(8 * wordBytes).subtract(BigInteger.ONE)
                        .shiftRight(perWord * bits).shiftLeft(perWord * bits);
                for (int e = 0; e < perWord && w * perWord + e < values.length; e++) {
                    word = word.or(BigInteger.valueOf(values[w * perWord + e]).shiftLeft(e * bits));
                }
                System.arraycopy(littleEndian(word, wordBytes), 0, packed, w * wordBytes, wordBytes);
            }
            int[] out = new int[values.length];
            K.unpackWords(MemorySegment.ofArray(packed), 0, wordBytes, bits, false, out, 0, values.length);
            assertThat(out).as("%d-bit in %d-byte words", bits, wordBytes).containsExactly(values);
        }
    }

    @Test
    void signedCodesAreSignExtended() {
        // int32 word 0x87F0_0000 | 0x0000_0001: 4-bit fields from the bottom 1,0,0,0,0,15,7,8
        byte[] word = {0x01, 0x00, (byte) 0xF0, (byte) 0x87};
        int[] out = new int[8];
        K.unpackWords(MemorySegment.ofArray(word), 0, 4, 4, true, out, 0, 8);
        assertThat(out).containsExactly(1, 0, 0, 0, 0, -1, 7, -8);
        int[] field = new int[1];
        K.extractField(MemorySegment.ofArray(word), 0, 4, 28, 4, true, field, 0, 1);
        assertThat(field).containsExactly(-8);
        K.extractField(MemorySegment.ofArray(word), 0, 4, 28, 4, false, field, 0, 1);
        assertThat(field).containsExactly(8);
    }

    @Test
    void fieldsAcrossRowsOfWords() {
        // three int16 words; the field at bits 3..5 of each (3-bit values, 5 per word)
        byte[] words = {(byte) 0b0011_1000, 0, (byte) 0b0001_0000, 0, 0, (byte) 0x80};
        int[] out = new int[3];
        K.extractField(MemorySegment.ofArray(words), 0, 2, 3, 3, false, out, 0, 3);
        assertThat(out).containsExactly(7, 2, 0);
        assertThatThrownBy(() -> K.extractField(MemorySegment.ofArray(words), 0, 2, 15, 3, false, out, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not inside a 2-byte word");
    }

    @Test
    void scaleBiasRoundsTheProductThenTheSumAsMlxDoes() {
        // 255 * (1 + 2^-23) is not a float: the product rounds before the bias is added, and a fused
        // multiply-add would give another result
        float s = Math.nextUp(1f);
        float b = -255f;
        float[] out = new float[1];
        K.scaleBias(new int[] {255}, 0, new float[] {s}, new float[] {b}, 0, 64, out, 0, 1);
        float twoRoundings = (float) ((double) (float) ((double) s * 255) + b);
        assertThat(out[0]).isEqualTo(twoRoundings).isNotEqualTo(Math.fma(s, 255f, b));
    }

    @Test
    void groupsFollowTheGroupSizeAndAPartialLastGroup() {
        int[] q = {0, 1, 2, 3, 4};
        float[] out = new float[5];
        K.scaleBias(q, 0, new float[] {9, 1, 2, 3}, new float[] {9, 10, 20, 30}, 1, 2, out, 0, 5);
        assertThat(out).containsExactly(10, 11, 24, 26, 42);
        K.zeroScale(q, 0, new int[] {9, 1, 3, 0}, new float[] {9, 0.5f, 2, 4}, 1, 2, out, 0, 5);
        assertThat(out).containsExactly(-0.5f, 0, -2, 0, 16);
        K.zeroScaleGather(q, 0, new int[] {1, 3}, new float[] {0.5f, -2}, new int[] {1, 0, 1, 0, 0}, 0, out, 0, 5);
        assertThat(out).containsExactly(6, 0, 2, 1, 1.5f);
    }

    @Test
    void unsupportedWidthsAreRefused() {
        int[] out = new int[1];
        MemorySegment m = MemorySegment.ofArray(new byte[8]);
        assertThatThrownBy(() -> K.unpackStream(m, 0, 9, out, 0, 1)).hasMessageContaining("1 to 8 bits");
        assertThatThrownBy(() -> K.unpackWords(m, 0, 3, 4, false, out, 0, 1)).hasMessageContaining("3-byte words");
    }

    private static int[] values(long seed, int count, int bits) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] v = new int[count];
        for (int i = 0; i < count; i++) {
            v[i] = rnd.nextInt(1 << bits);
        }
        v[0] = (1 << bits) - 1;
        return v;
    }

    private static byte[] littleEndian(BigInteger value, int bytes) {
        byte[] out = new byte[bytes];
        byte[] big = value.toByteArray();
        for (int i = 0; i < bytes && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }
}
