package dev.requant.plugins.compressedtensors;

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
 * compressed-tensors pack-quantized (group or channel scales, no activation order) repacked into
 * GPTQ of the same bits and groups: the packed fields {@code q + 2^(b-1)} and zero points
 * {@code zp + 2^(b-1)} are GPTQ's unsigned codes and zero points, and both compute
 * {@code (code - zero) * scale} in f32, so it is exact when every scale is an f16 (GPTQ stores f16
 * scales; bf16 scales are checked when the transcoder is made). A symmetric compressed-tensors tensor has the zero
 * point {@code 2^(b-1)}, GPTQ's symmetric one. Format v1 stores zero points minus one as GPTQModel
 * does (whole words for 2, 4 and 8 bits, field by field for 3).
 */
final class CompressedTensorsToGptq implements Transcoder {
    private final CompressedTensorsParams p;
    private final boolean v1;
    private final int in;
    private final int groupSize;

    private CompressedTensorsToGptq(CompressedTensorsParams p, boolean v1, int in) {
        this.p = p;
        this.v1 = v1;
        this.in = in;
        this.groupSize = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in;
    }

    static Optional<Transcoder> of(StoredTensor source, CompressedTensorsParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e) || !e.scheme().equals("gptq") || !p.format().packed()
                || p.strategy() == CompressedTensorsParams.Strategy.TENSOR || source.parts().stream().anyMatch(
                        t -> t.role().equals(CompressedTensorsParts.G_IDX))) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int group = Integer.parseInt(e.param("group", "128"));
        boolean sameGroups = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? group == p.group() : group == -1;
        if (!e.param("bits", "4").equals(Integer.toString(p.bits())) || e.param("desc_act", "false").equals("true")
                || !sameGroups || in % (p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in) != 0) {
            return Optional.empty();
        }
        int groups = p.groups(in);
        float[] scales = new float[out * groups];
        FloatParts.read(source.part(CompressedTensorsParts.SCALE), 0, scales, 0, scales.length);
        for (float s : scales) {
            if (Float.float16ToFloat(Float.floatToFloat16(s)) != s) {
                return Optional.empty();
            }
        }
        if (e.param("sym", "true").equals("true")) {
            int[] zeros = new int[groups];
            for (int n = 0; n < out; n++) {
                CompressedTensorsZeroPoints.signed(source, p, n, zeros, 0);
                if (Arrays.stream(zeros).anyMatch(z -> z != 0)) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(new CompressedTensorsToGptq(p, e.param("format", "v1").equals("v1"), in));
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
        int offset = 1 << (p.bits() - 1);
        IntPacking ct = IntPacking.wordAligned(p.bits());
        IntPacking gptq = IntPacking.stream(p.bits());
        int ctWords = Math.toIntExact(source.part(CompressedTensorsParts.PACKED).spec().shape().dim(1));
        int[] words = new int[ctWords];
        int[] out = new int[(int) gptq.wordsFor(in)];
        int[] zeros = new int[groups];
        float[] scales = new float[groups];
        int[][] zeroColumns = new int[groups][(int) gptq.wordsFor(rows)];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.read(source.part(CompressedTensorsParts.PACKED).data(), 4 * n * ctWords, words, 0, ctWords);
            Arrays.fill(out, 0);
            for (int k = 0; k < in; k++) {
                gptq.put(out, k, ct.field(words, k));
            }
            for (int w = 0; w < out.length; w++) {
                dst[0].set(Layouts.I32, 4L * ((long) w * rows + r), out[w]);
            }
            CompressedTensorsZeroPoints.signed(source, p, n, zeros, 0);
            FloatParts.read(source.part(CompressedTensorsParts.SCALE), n * groups, scales, 0, groups);
            for (int g = 0; g < groups; g++) {
                int z = zeros[g] + offset;
                gptq.put(zeroColumns[g], r, v1 && gptq.crossesWords() ? (z - 1) & gptq.mask() : z);
                dst[2].set(Layouts.I16, 2L * ((long) g * rows + r), Float.floatToFloat16(scales[g]));
            }
        }
        int ones = v1 && !gptq.crossesWords() ? onePerField(p.bits()) : 0;
        for (int g = 0; g < groups; g++) {
            for (int w = 0; w < zeroColumns[g].length; w++) {
                dst[1].set(Layouts.I32, 4L * ((long) g * zeroColumns[g].length + w), zeroColumns[g][w] - ones);
            }
        }
        finish(dst);
    }

    private static int onePerField(int bits) {
        int w = 0;
        for (int f = 0; f < 32 / bits; f++) {
            w |= 1 << (f * bits);
        }
        return w;
    }

    @Override
    public void finish(MemorySegment[] dst) {
        for (int k = 0; k < in; k++) {
            dst[3].set(Layouts.I32, 4L * k, k / groupSize);
        }
    }
}
