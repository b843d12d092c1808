package dev.requant.plugins.ct;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;

/**
 * 4-bit compressed-tensors pack-quantized (group or channel scales, no activation order) repacked
 * into AWQ GEMM or GEMV of the same group size: the packed fields {@code q + 8} and
 * {@code zp + 8} are AWQ's unsigned code and zero point (8 when symmetric), both compute
 * {@code (code - zero) * scale} in f32, and AWQ stores f16 scales: exact when every scale is an
 * f16 (checked when the transcoder is made).
 */
final class CtToAwq implements Transcoder {
    private static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    private final CtParams p;
    private final boolean gemm;
    private final int in;
    private final int zeroWords;

    private CtToAwq(CtParams p, boolean gemm, int in, int zeroWords) {
        this.p = p;
        this.gemm = gemm;
        this.in = in;
        this.zeroWords = zeroWords;
    }

    static Optional<Transcoder> of(StoredTensor source, CtParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e) || !e.scheme().equals("awq") || !p.format().packed() || p.bits() != 4
                || p.strategy() == CtParams.Strategy.TENSOR
                || source.parts().stream().anyMatch(t -> t.role().equals(CtScheme.G_IDX))) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int group = p.strategy() == CtParams.Strategy.GROUP ? p.group() : in;
        boolean gemm = e.param("version", "gemm").equals("gemm");
        int multiple = group >= 128 ? 1 : group == 64 ? 2 : group == 32 ? 4 : 0;
        if (!e.param("bits", "4").equals("4") || Integer.parseInt(e.param("group", "128")) != group || in % group != 0
                || (gemm ? out % 8 != 0 : in % 8 != 0 || multiple == 0)) {
            return Optional.empty();
        }
        float[] scales = new float[out * p.groups(in)];
        FloatParts.read(source.part(CtScheme.SCALE), 0, scales, 0, scales.length);
        for (float s : scales) {
            if (Float.float16ToFloat(Float.floatToFloat16(s)) != s) {
                return Optional.empty();
            }
        }
        int zw = ((in / group + 7) / 8 + multiple - 1) / Math.max(1, multiple) * Math.max(1, multiple);
        return Optional.of(new CtToAwq(p, gemm, in, gemm ? 0 : zw));
    }

    @Override
    public boolean exact() {
        return true;
    }

    @Override
    public double maxError() {
        return 0;
    }

    @Override
    public void transcode(StoredTensor source, long firstRow, int rows, MemorySegment[] dst) {
        int groups = p.groups(in);
        IntPacking ct = IntPacking.wordAligned(4);
        int ctWords = Math.toIntExact(source.part(CtScheme.PACKED).spec().shape().dim(1));
        int[] words = new int[ctWords];
        int[] codes = new int[rows * in];
        int[] zeros = new int[rows * groups];
        short[] scales = new short[rows * groups];
        float[] scaleRow = new float[groups];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.read(source.part(CtScheme.PACKED).data(), 4 * n * ctWords, words, 0, ctWords);
            for (int k = 0; k < in; k++) {
                codes[r * in + k] = ct.field(words, k);
            }
            CtScheme.signedZeroPoints(source, p, n, zeros, r * groups);
            FloatParts.read(source.part(CtScheme.SCALE), n * groups, scaleRow, 0, groups);
            for (int g = 0; g < groups; g++) {
                zeros[r * groups + g] += 8;
                scales[r * groups + g] = Float.floatToFloat16(scaleRow[g]);
            }
        }
        if (gemm) {
            gemm(codes, zeros, scales, rows, groups, dst);
        } else {
            gemv(codes, zeros, scales, rows, groups, dst);
        }
    }

    private void gemm(int[] codes, int[] zeros, short[] scales, int rows, int groups, MemorySegment[] dst) {
        int words = rows / 8;
        for (int k = 0; k < in; k++) {
            for (int w = 0; w < words; w++) {
                dst[0].set(Layouts.I32, 4L * ((long) k * words + w), across(codes, in, k, w));
            }
        }
        for (int g = 0; g < groups; g++) {
            for (int w = 0; w < words; w++) {
                dst[1].set(Layouts.I32, 4L * ((long) g * words + w), across(zeros, groups, g, w));
            }
            for (int r = 0; r < rows; r++) {
                dst[2].set(Layouts.I16, 2L * ((long) g * rows + r), scales[r * groups + g]);
            }
        }
    }

    /** Word {@code w} of column {@code column}: rows {@code 8w..8w+7} in AutoAWQ's field order. */
    private static int across(int[] values, int rowLength, int column, int w) {
        int word = 0;
        for (int f = 0; f < 8; f++) {
            word |= values[(8 * w + ORDER[f]) * rowLength + column] << 4 * f;
        }
        return word;
    }

    private void gemv(int[] codes, int[] zeros, short[] scales, int rows, int groups, MemorySegment[] dst) {
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
                if (g < groups) {
                    NIBBLES.put(words, g, zeros[r * groups + g]);
                }
                dst[2].set(Layouts.I16, 2L * ((long) r * 8 * zeroWords + g), g < groups ? scales[r * groups + g] : 0);
            }
            MemorySegment.copy(words, 0, dst[1], Layouts.I32, 4L * r * zeroWords, zeroWords);
        }
    }
}
