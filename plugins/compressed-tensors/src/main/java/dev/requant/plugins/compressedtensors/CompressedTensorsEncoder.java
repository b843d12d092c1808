package dev.requant.plugins.compressedtensors;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.spi.ElementType;
import dev.requant.spi.TensorEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Encodes rows of a {@code [out, in]} weight with group or channel scales into compressed-tensors'
 * parts for exactly those rows: pack-quantized ({@code weight_packed}, {@code weight_scale},
 * packed {@code weight_zero_point} when asymmetric, {@code weight_shape}) or int/naive-quantized
 * ({@code weight} int8, {@code weight_scale}, int8 {@code weight_zero_point}).
 *
 * <p>Each group's scale, already rounded to the stored scale type, and its signed zero point come
 * from a {@link GroupRule}; codes are {@code round(clamp(x / scale + zp, qmin, qmax))} in f32 with
 * that stored scale, as compressed-tensors' {@code quantize} computes them when it compresses a
 * module whose scale parameter has the model's dtype.
 */
final class CompressedTensorsEncoder implements TensorEncoder {
    private static final ElementKernels E = Kernels.elements();

    /** A group's scale (a value of the stored scale type) and signed zero point. */
    record Group(float scale, int zero) {
    }

    /** Chooses the scale and zero point of the {@code count} values of one group. */
    interface GroupRule {
        Group of(long row, int group, float[] x, int offset, int count);
    }

    private final CompressedTensorsParams p;
    private final long out;
    private final int in;
    private final GroupRule rule;

    CompressedTensorsEncoder(CompressedTensorsParams p, long out, int in, GroupRule rule) {
        this.p = p;
        this.out = out;
        this.in = in;
        this.rule = rule;
    }

    /**
     * compressed-tensors' {@code calculate_qparams} for integers: the range widened to contain 0;
     * symmetric {@code scale = max(|min|, |max|) / ((2^bits - 1) / 2)}, zero point 0; asymmetric
     * {@code scale = (max - min) / (2^bits - 1)} and {@code zp = round(clamp(qmin - min / scale,
     * qmin, qmax))}; scales at least f32's epsilon. The scale is rounded to the stored type first
     * (the observer works in the model's dtype) and the zero point computed with it.
     */
    static GroupRule minMax(CompressedTensorsParams p) {
        int qmin = -(1 << (p.bits() - 1));
        int qmax = (1 << (p.bits() - 1)) - 1;
        float range = (1 << p.bits()) - 1;
        return (row, group, x, offset, count) -> {
            float min = 0;
            float max = 0;
            for (int i = 0; i < count; i++) {
                min = Math.min(min, x[offset + i]);
                max = Math.max(max, x[offset + i]);
            }
            float scale = p.sym() ? Math.max(-min, max) / (range / 2) : (max - min) / range;
            scale = stored(Math.max(scale, Math.ulp(1f)), p.scales());
            if (p.sym()) {
                return new Group(scale, 0);
            }
            float zp = Math.min(Math.max(qmin - min / scale, qmin), qmax);
            return new Group(scale, (int) Math.rint(zp));
        };
    }

    /** {@code v} rounded to {@code type} as the kernels store it. */
    static float stored(float v, ElementType type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(4);
            float[] one = {v};
            switch (type) {
                case BF16 -> {
                    E.writeBf16(one, 0, m, 0, 1);
                    E.readBf16(m, 0, one, 0, 1);
                }
                case F16 -> {
                    E.writeF16(one, 0, m, 0, 1);
                    E.readF16(m, 0, one, 0, 1);
                }
                default -> {
                }
            }
            return one[0];
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] parts) {
        int groups = p.groups(in);
        int groupSize = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in;
        int qmin = -(1 << (p.bits() - 1));
        int qmax = (1 << (p.bits() - 1)) - 1;
        int offset = 1 << (p.bits() - 1);
        IntPacking packing = IntPacking.wordAligned(p.bits());
        int wordsPerRow = (in + p.perWord() - 1) / p.perWord();
        int[] words = new int[wordsPerRow];
        int[] zeros = new int[rows * groups];
        float[] scales = new float[rows * groups];
        int[] codes = new int[in];
        for (int r = 0; r < rows; r++) {
            int row = srcOffset + r * in;
            for (int g = 0; g < groups; g++) {
                Group chosen = rule.of(firstRow + r, g, src, row + g * groupSize, groupSize);
                scales[r * groups + g] = chosen.scale();
                zeros[r * groups + g] = chosen.zero();
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                    float v = Math.min(Math.max(src[row + i] / chosen.scale() + chosen.zero(), qmin), qmax);
                    codes[i] = (int) Math.rint(v);
                }
            }
            if (p.format().packed()) {
                Arrays.fill(words, 0);
                for (int i = 0; i < in; i++) {
                    packing.put(words, i, codes[i] + offset);
                }
                MemorySegment.copy(words, 0, parts[0], Layouts.I32, 4L * r * wordsPerRow, wordsPerRow);
            } else {
                for (int i = 0; i < in; i++) {
                    parts[0].set(ValueLayout.JAVA_BYTE, (long) r * in + i, (byte) codes[i]);
                }
            }
        }
        writeScales(scales, parts[1]);
        if (!p.sym()) {
            writeZeros(zeros, rows, groups, offset, packing, parts[2]);
        }
        if (p.format().packed()) {
            writeShape(parts[parts.length - 1], rows);
        }
    }

    private void writeShape(MemorySegment shape, long rows) {
        shape.set(Layouts.I64, 0, rows);
        shape.set(Layouts.I64, 8, in);
    }

    private void writeScales(float[] scales, MemorySegment part) {
        switch (p.scales()) {
            case BF16 -> E.writeBf16(scales, 0, part, 0, scales.length);
            case F16 -> E.writeF16(scales, 0, part, 0, scales.length);
            default -> E.writeF32(scales, 0, part, 0, scales.length);
        }
    }

    /** Packed along the outputs ({@code [rows / perWord, groups]}, offset like the codes) or int8 {@code [rows, groups]}. */
    private void writeZeros(int[] zeros, int rows, int groups, int offset, IntPacking packing, MemorySegment part) {
        if (!p.format().packed()) {
            for (int i = 0; i < zeros.length; i++) {
                part.set(ValueLayout.JAVA_BYTE, i, (byte) zeros[i]);
            }
            return;
        }
        int[] word = new int[1];
        for (int w = 0; w < rows / p.perWord(); w++) {
            for (int g = 0; g < groups; g++) {
                word[0] = 0;
                for (int f = 0; f < p.perWord(); f++) {
                    packing.put(word, f, zeros[(w * p.perWord() + f) * groups + g] + offset);
                }
                part.set(Layouts.I32, 4L * ((long) w * groups + g), word[0]);
            }
        }
    }

    @Override
    public void finish(MemorySegment[] parts) {
        if (p.format().packed()) {
            writeShape(parts[parts.length - 1], out);
        }
    }
}
