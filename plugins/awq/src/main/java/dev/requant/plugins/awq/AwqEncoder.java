package dev.requant.plugins.awq;

import dev.requant.plugins.support.AwqPacking;
import dev.requant.spi.TensorEncoder;
import java.lang.foreign.MemorySegment;

/**
 * Encodes rows of a {@code [out, in]} weight into AWQ's parts for exactly those rows, GEMM
 * ({@code qweight [in, rows/8]}, {@code qzeros [G, rows/8]} in AutoAWQ's field order,
 * {@code scales [G, rows]}) or GEMV ({@code qweight [rows, in/8]}, {@code qzeros [rows, ZW]},
 * {@code scales [rows, 8 ZW]} zero-padded). Each group's scale and zero point come from a
 * {@link GroupRule}; codes use the f32 scale and the stored scale is its f16 rounding.
 */
final class AwqEncoder implements TensorEncoder {

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
        short[] scaleBits = new short[scales.length];
        for (int i = 0; i < scales.length; i++) {
            scaleBits[i] = Float.floatToFloat16(scales[i]);
        }
        AwqPacking.Groups z = new AwqPacking.Groups(zeros, scaleBits, groups, groups, 1);
        switch (p.version()) {
            case GEMM -> AwqPacking.gemm(codes, z, rows, in, out);
            case GEMV -> AwqPacking.gemv(codes, z, rows, in, p.gemvZeroWords(in), out);
        }
    }
}
