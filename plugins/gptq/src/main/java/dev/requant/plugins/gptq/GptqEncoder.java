package dev.requant.plugins.gptq;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.spi.TensorEncoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Encodes rows of a {@code [out, in]} weight into GPTQ's parts for exactly those rows:
 * {@code qweight [words(in), rows]}, {@code qzeros [groups, words(rows)]}, {@code scales
 * [groups, rows]} (f16) and {@code g_idx [in]} (consecutive groups: no act-order). Each group's
 * scale and zero point come from a {@link GroupRule}; the codes use the f32 scale, the stored
 * scale is its f16 rounding (GPTQModel keeps f32 scales while quantizing and stores f16).
 *
 * <p>Format v1 stores every zero point minus one as GPTQModel's v2-to-v1 export does: for 2, 4
 * and 8 bits one is subtracted from every field of the whole word at once (a zero of 0 borrows
 * from the next field, which the readers' whole-word "+1" gives back); 3-bit fields cross words
 * and are stored field by field, wrapping.
 */
final class GptqEncoder implements TensorEncoder {
    /** A group's f32 scale and integer zero point. */
    record Group(float scale, int zero) {
    }

    /** Chooses the scale and zero point of the {@code count} values of one group. */
    interface GroupRule {
        Group of(long row, int group, float[] x, int offset, int count);
    }

    private final GptqParams p;
    private final int in;
    private final int groupSize;
    private final int groups;
    private final IntPacking packing;
    private final GroupRule rule;

    GptqEncoder(GptqParams p, int in, GroupRule rule) {
        this.p = p;
        this.in = in;
        this.groupSize = p.groupSize(in);
        this.groups = p.groups(in);
        this.packing = IntPacking.stream(p.bits());
        this.rule = rule;
    }

    /** GPTQModel's round-to-nearest rule ({@link GptqQuantizer}). */
    static GroupRule roundToNearest(GptqParams p) {
        return (row, group, x, offset, count) -> {
            float scale = GptqQuantizer.scale(x, offset, count, p.maxq(), p.sym());
            return new Group(scale, GptqQuantizer.zero(x, offset, count, p.maxq(), p.sym(), scale));
        };
    }

    @Override
    public void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] out) {
        int maxq = p.maxq();
        int[] codes = new int[in];
        int[] words = new int[(int) packing.wordsFor(in)];
        int[] zeros = new int[groups * rows];
        for (int r = 0; r < rows; r++) {
            int row = srcOffset + r * in;
            for (int g = 0; g < groups; g++) {
                int start = g * groupSize;
                int count = Math.min(groupSize, in - start);
                Group chosen = rule.of(firstRow + r, g, src, row + start, count);
                GptqQuantizer.quantize(src, row + start, count, chosen.scale(), chosen.zero(), maxq, codes, start);
                zeros[g * rows + r] = chosen.zero();
                out[2].set(Layouts.I16, 2L * (g * (long) rows + r), Float.floatToFloat16(chosen.scale()));
            }
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                packing.put(words, k, codes[k]);
            }
            for (int w = 0; w < words.length; w++) {
                out[0].set(Layouts.I32, 4L * ((long) w * rows + r), words[w]);
            }
        }
        writeZeros(zeros, rows, out[1]);
        finish(out);
    }

    private void writeZeros(int[] zeros, int rows, MemorySegment qzeros) {
        boolean v1 = p.format() == GptqParams.Format.V1;
        boolean perField = v1 && packing.crossesWords();
        int ones = v1 && !perField ? GptqZeroPoints.onePerField(p.bits()) : 0;
        int[] words = new int[(int) packing.wordsFor(rows)];
        for (int g = 0; g < groups; g++) {
            Arrays.fill(words, 0);
            for (int r = 0; r < rows; r++) {
                int z = zeros[g * rows + r];
                packing.put(words, r, perField ? (z - 1) & packing.mask() : z);
            }
            for (int w = 0; w < words.length; w++) {
                qzeros.set(Layouts.I32, 4L * ((long) g * words.length + w), words[w] - ones);
            }
        }
    }

    @Override
    public void finish(MemorySegment[] out) {
        for (int k = 0; k < in; k++) {
            out[3].set(Layouts.I32, 4L * k, k / groupSize);
        }
    }
}
