package dev.requant.plugins.gptq;

import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * 4-bit GPTQ without act-order, groups made of whole 32-blocks and f16 scales, repacked into
 * ggml blocks. A GPTQ value is {@code (q - z) * s} in f32.
 *
 * <ul>
 *   <li>{@code q4_0} ({@code (q - 8) * d}): when every zero point is 8 (symmetric), each block
 *       takes its group's scale as {@code d} and the codes as they are: the same f32 product,
 *       so exact.</li>
 *   <li>{@code q4_1} ({@code q * d + m}): {@code d = s}, {@code m = fp16(-s * z)}. {@code q * s}
 *       and {@code s * z} are exact in f32 (11 by 4 significant bits), so the block gives exactly
 *       {@code (q - z) * s} when {@code -s * z} is an f16; that is checked over every group when the
 *       transcoder is made, and otherwise {@link #exact()} is false and {@link #maxError()} bounds
 *       the difference: the rounding of {@code m} plus half an f32 ulp of the sum.</li>
 * </ul>
 */
final class GptqToQ4 implements Transcoder {
    private static final int BLOCK = 32;
    private static final ValueLayout.OfShort F16 = dev.requant.kernels.Layouts.I16;

    private final GptqParams p;
    private final boolean offset;
    private final int out;
    private final int in;
    private final int groupSize;
    private final int groups;
    private final double maxError;

    private GptqToQ4(GptqParams p, boolean offset, int out, int in, double maxError) {
        this.p = p;
        this.offset = offset;
        this.out = out;
        this.in = in;
        this.groupSize = p.groupSize(in);
        this.groups = p.groups(in);
        this.maxError = maxError;
    }

    /** The transcoder to {@code target} when it is q4_0 or q4_1 and the source allows one. */
    static Optional<Transcoder> of(StoredTensor source, GptqParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e) || !e.params().isEmpty()
                || !e.scheme().equals("q4_0") && !e.scheme().equals("q4_1")) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int groupSize = p.groupSize(in);
        if (p.bits() != 4 || in % BLOCK != 0 || groupSize % BLOCK != 0
                || source.part(GptqParts.SCALES).spec().dtype() != ElementType.F16
                || GptqGroupIndexes.scattered(source, in, groupSize) != null) {
            return Optional.empty();
        }
        int groups = p.groups(in);
        int[] zeros = new int[groups * out];
        GptqZeroPoints.read(source.part(GptqParts.QZEROS), p, IntPacking.stream(4), 0, out, zeros);
        if (e.scheme().equals("q4_0")) {
            for (int z : zeros) {
                if (z != 8) {
                    return Optional.empty();
                }
            }
            return Optional.of(new GptqToQ4(p, true, out, in, 0));
        }
        float[] scales = new float[groups * out];
        FloatParts.read(source.part(GptqParts.SCALES), 0, scales, 0, scales.length);
        double error = 0;
        for (int i = 0; i < zeros.length; i++) {
            float m = -(scales[i] * zeros[i]);
            float stored = Float.float16ToFloat(Float.floatToFloat16(m));
            if (stored != m) {
                float largest = Math.abs(15 * scales[i]) + Math.abs(stored);
                error = Math.max(error, Math.abs((double) stored - m) + Math.ulp(largest) / 2);
            }
        }
        return Optional.of(new GptqToQ4(p, false, out, in, error));
    }

    @Override
    public boolean exact() {
        return maxError == 0;
    }

    @Override
    public double maxError() {
        return maxError;
    }

    @Override
    public void transcode(StoredTensor source, long firstRow, int rows, MemorySegment[] dst) {
        IntPacking packing = IntPacking.stream(4);
        TensorPart qweight = source.part(GptqParts.QWEIGHT);
        TensorPart scales = source.part(GptqParts.SCALES);
        int[] zeros = new int[groups * rows];
        if (!offset) {
            GptqZeroPoints.read(source.part(GptqParts.QZEROS), p, packing, firstRow, rows, zeros);
        }
        int wordsPerRow = in / 8;
        int[] words = new int[wordsPerRow];
        int blockBytes = offset ? 18 : 20;
        int headerBytes = offset ? 2 : 4;
        long at = 0;
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.gather(qweight.data(), 4 * n, 4L * out, words, 0, wordsPerRow);
            for (int b = 0; b < in / BLOCK; b++, at += blockBytes) {
                int g = b * BLOCK / groupSize;
                short d = scales.data().get(F16, 2 * ((long) g * out + n));
                dst[0].set(F16, at, d);
                if (!offset) {
                    float m = -(Float.float16ToFloat(d) * zeros[g * rows + r]);
                    dst[0].set(F16, at + 2, Float.floatToFloat16(m));
                }
                for (int j = 0; j < BLOCK / 2; j++) {
                    int lo = packing.field(words, b * BLOCK + j);
                    int hi = packing.field(words, b * BLOCK + j + BLOCK / 2);
                    dst[0].set(ValueLayout.JAVA_BYTE, at + headerBytes + j, (byte) (lo | hi << 4));
                }
            }
        }
    }
}
