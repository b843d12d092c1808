package dev.requant.plugins.gptq;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.spi.TensorPart;

/**
 * GPTQ's zero points as {@code qzeros} stores them, {@code [G, words(out)]}: read back for a range
 * of output rows, with format {@code v1}'s "stored minus one" undone as GPTQModel's v1-to-v2
 * conversion does (see {@link GptqScheme}).
 */
final class GptqZeroPoints {
    private static final IntPackKernels K = Kernels.intPack();

    private GptqZeroPoints() {
    }

    /**
     * Zero points of rows {@code [firstRow, firstRow + rows)} for every group, v1 corrected, into
     * {@code table[g * rows + r]}.
     */
    static void read(TensorPart qzeros, GptqParams p, IntPacking packing, long firstRow, int rows, int[] table) {
        int groups = Math.toIntExact(qzeros.spec().shape().dim(0));
        int wordsPerGroup = Math.toIntExact(qzeros.spec().shape().dim(1));
        int[] words = new int[wordsPerGroup + 16];
        boolean v1 = p.format() == GptqParams.Format.V1;
        int ones = v1 && !packing.crossesWords() ? onePerField(p.bits()) : 0;
        for (int g = 0; g < groups; g++) {
            Words.read(qzeros.data(), 4L * g * wordsPerGroup, words, 0, wordsPerGroup);
            for (int w = 0; w < wordsPerGroup; w++) {
                words[w] += ones;
            }
            K.unpack(packing, words, Math.toIntExact(firstRow), rows, table, g * rows);
        }
        if (v1 && packing.crossesWords()) {
            for (int i = 0; i < table.length; i++) {
                table[i] = (table[i] + 1) & packing.mask();
            }
        }
    }

    /** A word with 1 in every field: what v1 subtracted from every zero point. */
    static int onePerField(int bits) {
        int w = 0;
        for (int f = 0; f < 32 / bits; f++) {
            w |= 1 << (f * bits);
        }
        return w;
    }
}
