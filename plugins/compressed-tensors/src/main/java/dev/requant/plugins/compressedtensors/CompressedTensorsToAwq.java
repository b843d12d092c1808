package dev.requant.plugins.compressedtensors;

import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.AwqPacking;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * 4-bit compressed-tensors pack-quantized (group or channel scales, no activation order) repacked
 * into AWQ GEMM or GEMV of the same group size: the packed fields {@code q + 8} and
 * {@code zp + 8} are AWQ's unsigned code and zero point (8 when symmetric), both compute
 * {@code (code - zero) * scale} in f32, and AWQ stores f16 scales: exact when every scale is an
 * f16 (checked when the transcoder is made).
 */
final class CompressedTensorsToAwq implements Transcoder {

    private final CompressedTensorsParams p;
    private final boolean gemm;
    private final int in;
    private final int zeroWords;

    private CompressedTensorsToAwq(CompressedTensorsParams p, boolean gemm, int in, int zeroWords) {
        this.p = p;
        this.gemm = gemm;
        this.in = in;
        this.zeroWords = zeroWords;
    }

    static Optional<Transcoder> of(StoredTensor source, CompressedTensorsParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e) || !e.scheme().equals("awq") || !p.format().packed() || p.bits() != 4
                || p.strategy() == CompressedTensorsParams.Strategy.TENSOR
                || source.parts().stream().anyMatch(t -> t.role().equals(CompressedTensorsParts.G_IDX))) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int group = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in;
        boolean gemm = e.param("version", "gemm").equals("gemm");
        OptionalInt zeroWords = AwqPacking.gemvZeroWords(in / group, group);
        if (!e.param("bits", "4").equals("4") || Integer.parseInt(e.param("group", "128")) != group || in % group != 0
                || (gemm ? out % 8 != 0 : in % 8 != 0 || zeroWords.isEmpty())) {
            return Optional.empty();
        }
        float[] scales = new float[out * p.groups(in)];
        FloatParts.read(source.part(CompressedTensorsParts.SCALE), 0, scales, 0, scales.length);
        for (float s : scales) {
            if (Float.float16ToFloat(Float.floatToFloat16(s)) != s) {
                return Optional.empty();
            }
        }
        return Optional.of(new CompressedTensorsToAwq(p, gemm, in, gemm ? 0 : zeroWords.getAsInt()));
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
        int ctWords = Math.toIntExact(source.part(CompressedTensorsParts.PACKED).spec().shape().dim(1));
        int[] words = new int[ctWords];
        int[] codes = new int[rows * in];
        int[] zeros = new int[rows * groups];
        short[] scales = new short[rows * groups];
        float[] scaleRow = new float[groups];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.read(source.part(CompressedTensorsParts.PACKED).data(), 4 * n * ctWords, words, 0, ctWords);
            for (int k = 0; k < in; k++) {
                codes[r * in + k] = ct.field(words, k);
            }
            CompressedTensorsZeroPoints.signed(source, p, n, zeros, r * groups);
            FloatParts.read(source.part(CompressedTensorsParts.SCALE), n * groups, scaleRow, 0, groups);
            for (int g = 0; g < groups; g++) {
                zeros[r * groups + g] += 8;
                scales[r * groups + g] = Float.floatToFloat16(scaleRow[g]);
            }
        }
        AwqPacking.Groups z = new AwqPacking.Groups(zeros, scales, groups, groups, 1);
        if (gemm) {
            AwqPacking.gemm(codes, z, rows, in, dst);
        } else {
            AwqPacking.gemv(codes, z, rows, in, zeroWords, dst);
        }
    }
}
