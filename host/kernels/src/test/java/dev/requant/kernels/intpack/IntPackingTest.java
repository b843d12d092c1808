package dev.requant.kernels.intpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.internal.intpack.ScalarIntPackKernels;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The packings and the scalar reference, against layouts written out by hand from the formats' descriptions. */
class IntPackingTest {
    private static final IntPackKernels K = ScalarIntPackKernels.INSTANCE;

    @Test
    void fourBitFieldsAreLsbFirst() {
        int[] words = {0x76543210, 0xFEDCBA98};
        int[] codes = new int[16];
        K.unpack(IntPacking.stream(4), words, 0, 16, codes, 0);
        for (int i = 0; i < 16; i++) {
            assertThat(codes[i]).as("field %d", i).isEqualTo(i);
        }
        assertThat(IntPacking.stream(4)).isEqualTo(IntPacking.wordAligned(4));
    }

    @Test
    void gptqThreeBitBlocksSpanThreeWordsAndSplitValues10And21() {
        // the GPTQ layout as described: w0 = v0..v9 at 3j, low 2 bits of v10 at 30; w1 = bit 2 of v10
        // at 0, v11..v20 at 1+3j, low bit of v21 at 31; w2 = bits 1..2 of v21 at 0, v22..v31 at 2+3j
        int[] v = new int[32];
        for (int i = 0; i < 32; i++) {
            v[i] = (i * 5 + 3) & 7;
        }
        v[10] = 0b110;
        v[21] = 0b011;
        int w0 = (v[10] & 3) << 30;
        int w1 = (v[10] >>> 2) | (v[21] & 1) << 31;
        int w2 = v[21] >>> 1;
        for (int j = 0; j < 10; j++) {
            w0 |= v[j] << 3 * j;
            w1 |= v[11 + j] << 1 + 3 * j;
            w2 |= v[22 + j] << 2 + 3 * j;
        }
        int[] words = {w0, w1, w2, w0, w1, w2};
        int[] codes = new int[64];
        K.unpack(IntPacking.stream(3), words, 0, 64, codes, 0);
        for (int i = 0; i < 64; i++) {
            assertThat(codes[i]).as("field %d", i).isEqualTo(v[i % 32]);
        }
        assertThat(IntPacking.stream(3).wordsFor(32)).isEqualTo(3);
        assertThat(IntPacking.stream(3).wordsFor(33)).isEqualTo(4);
    }

    @Test
    void wordAlignedThreeBitFieldsLeaveTheTopTwoBitsUnused() {
        int w0 = 0xC0000000; // bits 30-31 set: not a field
        for (int j = 0; j < 10; j++) {
            w0 |= (j & 7) << 3 * j;
        }
        int[] words = {w0, 0b101};
        int[] codes = new int[11];
        K.unpack(IntPacking.wordAligned(3), words, 0, 11, codes, 0);
        assertThat(codes).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 5);
        assertThat(IntPacking.wordAligned(3).wordsFor(10)).isEqualTo(1);
        assertThat(IntPacking.wordAligned(3).wordsFor(11)).isEqualTo(2);
    }

    @Test
    void topFieldOfANegativeWordIsReadUnsigned() {
        int[] codes = new int[4];
        K.unpack(IntPacking.stream(8), new int[] {0xFF80017F}, 0, 4, codes, 0);
        assertThat(codes).containsExactly(0x7F, 0x01, 0x80, 0xFF);
    }

    @Test
    void awqOrderSpreadsTheFieldsOfAWordOverEightRows() {
        // AWQ GEMM: field f of word w holds output column 8w + ORDER[f]
        int[] order = {0, 2, 4, 6, 1, 3, 5, 7};
        int[] codes = new int[16];
        K.unpackAcross(4, new int[] {0x76543210, 0x89ABCDEF}, 2, order, codes, 0, 2);
        int[] row = new int[8];
        for (int r = 0; r < 8; r++) {
            row[r] = codes[r * 2];
        }
        assertThat(row).containsExactly(0, 4, 1, 5, 2, 6, 3, 7);
        assertThat(codes[2 * 7 + 1]).isEqualTo(8);
        assertThat(codes[1]).isEqualTo(0xF);
    }

    @Test
    void dequantizationSubtractsTheZeroThenScales() {
        int[] codes = {0, 15, 7, 8, 3};
        float[] dst = new float[5];
        K.dequantGroups(codes, 0, 5, 2, new int[] {8, 7, 1}, new float[] {0.5f, -2f, 0.25f}, dst, 0);
        assertThat(dst).containsExactly(-4f, 3.5f, -0f, -2f, 0.5f);
        K.dequantIndexed(codes, 0, 5, new int[] {2, 0, 0, 1, 2}, 0, new int[] {8, 7, 1}, new float[] {0.5f, -2f, 0.25f},
                dst, 0);
        assertThat(dst).containsExactly(-0.25f, 3.5f, -0.5f, -2f, 0.5f);
    }

    @Test
    void zeroTimesNegativeScaleIsNegativeZeroAsInF32() {
        float[] dst = new float[1];
        K.dequantGroups(new int[] {8}, 0, 1, 1, new int[] {8}, new float[] {-1f}, dst, 0);
        assertThat(Float.floatToRawIntBits(dst[0])).isEqualTo(0x80000000);
    }

    @Test
    void bytesAreSignExtended() {
        int[] codes = new int[3];
        K.widenI8(MemorySegment.ofArray(new byte[] {9, (byte) 0x80, (byte) 0xFF, 1}), 1, codes, 0, 3);
        assertThat(codes).containsExactly(-128, -1, 1);
    }

    @Test
    void onlyOneToEightBitsAndNoCrossingForDivisorsOf32() {
        assertThatThrownBy(() -> IntPacking.stream(9)).hasMessageContaining("1 to 8");
        assertThatThrownBy(() -> new IntPacking(4, true)).hasMessageContaining("never cross");
        assertThat(IntPacking.stream(5).crossesWords()).isTrue();
        assertThat(IntPacking.wordAligned(5).crossesWords()).isFalse();
    }

    @Test
    void putWritesWhatFieldReadsAndLeavesNeighboursAlone() {
        java.util.Random random = new java.util.Random(7);
        for (IntPacking packing : new IntPacking[] {IntPacking.stream(2), IntPacking.stream(3), IntPacking.stream(4),
                IntPacking.stream(8), IntPacking.stream(5), IntPacking.wordAligned(3)}) {
            int count = 97;
            int[] values = new int[count];
            int[] words = new int[(int) packing.wordsFor(count)];
            java.util.Arrays.fill(words, -1);
            for (int i = 0; i < count; i++) {
                values[i] = random.nextInt(packing.mask() + 1);
                packing.put(words, i, values[i]);
            }
            // overwrite every third field again: a set field must not keep old bits
            for (int i = 0; i < count; i += 3) {
                values[i] = packing.mask() - values[i];
                packing.put(words, i, values[i] | ~packing.mask());
            }
            for (int i = 0; i < count; i++) {
                assertThat(packing.field(words, i)).as("%s field %d", packing, i).isEqualTo(values[i]);
            }
        }
        int[] words = new int[3];
        IntPacking.stream(3).put(words, 10, 0b110);
        assertThat(words).containsExactly(0b10 << 30, 1, 0);
    }
}
