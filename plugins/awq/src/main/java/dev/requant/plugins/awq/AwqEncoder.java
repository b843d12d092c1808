package dev.requant.plugins.awq;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.spi.TensorEncoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Encodes rows of a {@code [out, in]} weight into AWQ's parts for exactly those rows, GEMM
 * ({@code qweight [in, rows/8]}, {@code qzeros [G, rows/8]} in AutoAWQ's field order,
 * {@code scales [G, rows]}) or GEMV ({@code qweight [rows, in/8]}, {@code qzeros [rows, ZW]},
 * {@code scales [rows, 8 ZW]} zero-padded). Each group's scale and zero point come from a
 * {@link GroupRule}; codes use the f32 scale and the stored scale is its f16 rounding.
 */
final class AwqEncoder implements TensorEncoder {
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    /** A group's f32 scale and integer zero point. */
    record Group(float scale, int zero) {
    }

    /** Chooses the scale and zero point of the {@code count} values of one group. */
    interface GroupRule {
        Group of(long row, int group, float[] x, int offset, int count);
    }

    private final AwqParams p;
    private final int in;
    private final GroupRule rule;

    AwqEncoder(AwqParams p, int in, GroupRule rule) {
        this.p = p;
        this.in = in;
        this.rule = rule;
    }

    /**
     * AutoAWQ's {@code pseudo_quantize_tensor} with zero points: over each group (its true min and
     * max, not widened to 0) {@code scale = max(max - min, 1e-5) / 15},
     * {@code zero = clamp(-round(min / scale), 0, 15)}, computed in f32.
     */
    static GroupRule roundToNearest() {
        return (row, group, x, offset, count) -> {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < count; i++) {
                min = Math.min(min, x[offset + i]);
                max = Math.max(max, x[offset + i]);
            }
            float scale = Math.max(max - min, 1e-5f) / 15;
            int zero = (int) Math.min(Math.max(-(float) Math.rint(min / scale), 0f), 15f);
            return new Group(scale, zero);
        };
    }

    @Override
    public void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] out) {
        int groups = p.groups(in);
        int[] codes = new int[rows * in];
        int[] zeros = new int[rows * groups];
        float[] scales = new float[rows * groups];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int at = srcOffset + r * in + g * p.group();
                Group chosen = rule.of(firstRow + r, g, src, at, p.group());
                zeros[r * groups + g] = chosen.zero();
                scales[r * groups + g] = chosen.scale();
                for (int i = 0; i < p.group(); i++) {
                    float q = (float) Math.rint(src[at + i] / chosen.scale()) + chosen.zero();
                    codes[r * in + g * p.group() + i] = (int) Math.min(Math.max(q, 0f), 15f);
                }
            }
        }
        switch (p.version()) {
            case GEMM -> writeGemm(codes, zeros, scales, rows, groups, out);
            case GEMV -> writeGemv(codes, zeros, scales, rows, groups, out);
        }
    }

    private void writeGemm(int[] codes, int[] zeros, float[] scales, int rows, int groups, MemorySegment[] out) {
        int words = rows / 8;
        for (int k = 0; k < in; k++) {
            for (int w = 0; w < words; w++) {
                out[0].set(Layouts.I32, 4L * ((long) k * words + w), across(codes, in, k, w));
            }
        }
        for (int g = 0; g < groups; g++) {
            for (int w = 0; w < words; w++) {
                out[1].set(Layouts.I32, 4L * ((long) g * words + w), across(zeros, groups, g, w));
            }
            for (int r = 0; r < rows; r++) {
                out[2].set(Layouts.I16, 2L * ((long) g * rows + r), Float.floatToFloat16(scales[r * groups + g]));
            }
        }
    }

    /** Word {@code w} of column {@code column}: rows {@code 8w..8w+7} in AutoAWQ's field order. */
    private static int across(int[] values, int rowLength, int column, int w) {
        int word = 0;
        for (int f = 0; f < 8; f++) {
            word |= values[(8 * w + AwqScheme.ORDER[f]) * rowLength + column] << (4 * f);
        }
        return word;
    }

    private void writeGemv(int[] codes, int[] zeros, float[] scales, int rows, int groups, MemorySegment[] out) {
        int codeWords = in / 8;
        int zeroWords = p.gemvZeroWords(in);
        int[] words = new int[Math.max(codeWords, zeroWords)];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                NIBBLES.put(words, k, codes[r * in + k]);
            }
            MemorySegment.copy(words, 0, out[0], Layouts.I32, 4L * r * codeWords, codeWords);
            Arrays.fill(words, 0);
            for (int g = 0; g < groups; g++) {
                NIBBLES.put(words, g, zeros[r * groups + g]);
                out[2].set(Layouts.I16, 2L * ((long) r * 8 * zeroWords + g), Float.floatToFloat16(scales[r * groups + g]));
            }
            for (int c = groups; c < 8 * zeroWords; c++) {
                out[2].set(Layouts.I16, 2L * ((long) r * 8 * zeroWords + c), (short) 0);
            }
            MemorySegment.copy(words, 0, out[1], Layouts.I32, 4L * r * zeroWords, zeroWords);
        }
    }
}
