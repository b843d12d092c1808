package dev.requant.plugins.support;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * AutoAWQ's two 4-bit layouts, written for a block of output rows from their codes, zero points
 * and f16 scale bits: by the AWQ encoder and by the exact repacks from GPTQ and
 * compressed-tensors. Codes are {@code codes[r * in + k]}; zero points and scales of row
 * {@code r}, group {@code g} are at {@code r * rowStride + g * groupStride} (row-major:
 * {@code groups, 1}; group-major as GPTQ stores them: {@code 1, rows}).
 */
public final class AwqPacking {
    /** Output row of each field of a GEMM word (AutoAWQ's interleaving). */
    public static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};
    /** Field of each output row in a GEMM word: the inverse of {@link #ORDER}. */
    public static final int[] FIELD = inverse(ORDER);
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    /** Zero points and f16 scale bits by row and group, with the strides that find them. */
    public record Groups(int[] zeros, short[] scales, int groups, int rowStride, int groupStride) {
        int at(int r, int g) {
            return r * rowStride + g * groupStride;
        }
    }

    private AwqPacking() {
    }

    private static int[] inverse(int[] order) {
        int[] inverse = new int[order.length];
        for (int f = 0; f < order.length; f++) {
            inverse[order[f]] = f;
        }
        return inverse;
    }

    /**
     * The qzeros words per row of GEMV for {@code groups} groups of {@code group}: a group's zero
     * point per nibble, rounded up to AutoAWQ's multiple (1 for groups of 128 and more, 2 for 64,
     * 4 for 32); empty for other group sizes, which GEMV has no width for.
     */
    public static OptionalInt gemvZeroWords(long groups, int group) {
        int multiple = group >= 128 ? 1 : group == 64 ? 2 : group == 32 ? 4 : 0;
        if (multiple == 0) {
            return OptionalInt.empty();
        }
        long words = (groups + 7) / 8;
        return OptionalInt.of(Math.toIntExact((words + multiple - 1) / multiple * multiple));
    }

    /** GEMM: qweight {@code [in, rows/8]} with rows 8w..8w+7 in a word, qzeros {@code [G, rows/8]}, scales {@code [G, rows]}. */
    public static void gemm(int[] codes, Groups z, int rows, int in, MemorySegment[] dst) {
        int words = rows / 8;
        for (int k = 0; k < in; k++) {
            for (int w = 0; w < words; w++) {
                int word = 0;
                for (int f = 0; f < 8; f++) {
                    word |= codes[(8 * w + ORDER[f]) * in + k] << 4 * f;
                }
                dst[0].set(Layouts.I32, 4L * ((long) k * words + w), word);
            }
        }
        for (int g = 0; g < z.groups(); g++) {
            for (int w = 0; w < words; w++) {
                int word = 0;
                for (int f = 0; f < 8; f++) {
                    word |= z.zeros()[z.at(8 * w + ORDER[f], g)] << 4 * f;
                }
                dst[1].set(Layouts.I32, 4L * ((long) g * words + w), word);
            }
            for (int r = 0; r < rows; r++) {
                dst[2].set(Layouts.I16, 2L * ((long) g * rows + r), z.scales()[z.at(r, g)]);
            }
        }
    }

    /**
     * GEMV: qweight {@code [rows, in/8]}, qzeros {@code [rows, zeroWords]} and scales
     * {@code [rows, 8 * zeroWords]}, the groups past the last padded with zeros.
     */
    public static void gemv(int[] codes, Groups z, int rows, int in, int zeroWords, MemorySegment[] dst) {
        int codeWords = in / 8;
        int[] words = new int[Math.max(codeWords, zeroWords)];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                NIBBLES.put(words, k, codes[r * in + k]);
            }
            MemorySegment.copy(words, 0, dst[0], Layouts.I32, 4L * r * codeWords, codeWords);
            Arrays.fill(words, 0);
            for (int g = 0; g < 8 * zeroWords; g++) {
                boolean stored = g < z.groups();
                if (stored) {
                    NIBBLES.put(words, g, z.zeros()[z.at(r, g)]);
                }
                dst[2].set(Layouts.I16, 2L * ((long) r * 8 * zeroWords + g), stored ? z.scales()[z.at(r, g)] : 0);
            }
            MemorySegment.copy(words, 0, dst[1], Layouts.I32, 4L * r * zeroWords, zeroWords);
        }
    }
}
