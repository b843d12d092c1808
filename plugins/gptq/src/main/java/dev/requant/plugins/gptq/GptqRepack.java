package dev.requant.plugins.gptq;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.AwqPacking;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * GPTQ without act-order, whole groups and f16 scales, repacked into AWQ (GEMM or GEMV, 4-bit) or
 * compressed-tensors pack-quantized of the same bits and groups. All three compute
 * {@code (code - zero) * scale} in f32 from an unsigned code, an unsigned zero point and the same
 * scale, so carrying the integers and the f16 scales over is exact:
 * <ul>
 *   <li>AWQ stores the zero point as it is (GPTQ v1 stores it minus one; the reader has added it
 *       back), codes and zero points in AutoAWQ's field order (GEMM) or in order (GEMV);</li>
 *   <li>compressed-tensors stores {@code q + 2^(b-1)} and {@code zp + 2^(b-1)} for signed
 *       {@code q} and {@code zp}, which are exactly GPTQ's unsigned code and zero point; a
 *       symmetric target stores no zero point, so every GPTQ zero point must be {@code 2^(b-1)};
 *       bf16 target scales must hold every f16 scale exactly.</li>
 * </ul>
 */
final class GptqRepack implements Transcoder {

    private enum Target { AWQ_GEMM, AWQ_GEMV, CT }

    private final GptqParams p;
    private final Target target;
    private final int out;
    private final int in;
    private final int groups;
    private final boolean ctSym;
    private final ElementType ctScales;
    private final int awqZeroWords;

    private GptqRepack(GptqParams p, Target target, int out, int in, boolean ctSym, ElementType ctScales, int awqZeroWords) {
        this.p = p;
        this.target = target;
        this.out = out;
        this.in = in;
        this.groups = p.groups(in);
        this.ctSym = ctSym;
        this.ctScales = ctScales;
        this.awqZeroWords = awqZeroWords;
    }

    static Optional<Transcoder> of(StoredTensor source, GptqParams p, TensorInfo info) {
        if (!(info.type() instanceof Encoding e)
                || !e.scheme().equals("awq") && !e.scheme().equals("compressed-tensors")) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int gs = p.groupSize(in);
        if (in % gs != 0 || source.part(GptqParts.SCALES).spec().dtype() != ElementType.F16
                || GptqGroupIndexes.scattered(source, in, gs) != null) {
            return Optional.empty();
        }
        int[] zeros = new int[p.groups(in) * out];
        GptqZeroPoints.read(source.part(GptqParts.QZEROS), p, IntPacking.stream(p.bits()), 0, out, zeros);
        if (Arrays.stream(zeros).anyMatch(z -> z < 0 || z > p.maxq())) {
            return Optional.empty();
        }
        if (e.scheme().equals("awq")) {
            boolean gemm = e.param("version", "gemm").equals("gemm");
            int group = Integer.parseInt(e.param("group", "128"));
            OptionalInt zeroWords = AwqPacking.gemvZeroWords(p.groups(in), group);
            if (p.bits() != 4 || !e.param("bits", "4").equals("4") || group != gs
                    || (gemm ? out % 8 != 0 : in % 8 != 0 || zeroWords.isEmpty())) {
                return Optional.empty();
            }
            return Optional.of(new GptqRepack(p, gemm ? Target.AWQ_GEMM : Target.AWQ_GEMV, out, in, false, null,
                    gemm ? 0 : zeroWords.getAsInt()));
        }
        boolean groupsMatch = e.param("strategy", "group").equals("group")
                ? Integer.parseInt(e.param("group", "128")) == gs : e.param("strategy", "").equals("channel") && gs == in;
        boolean sym = e.param("sym", "true").equals("true");
        ElementType scales = switch (e.param("scales", "bf16")) {
            case "f16" -> ElementType.F16;
            case "f32" -> ElementType.F32;
            default -> ElementType.BF16;
        };
        int perWord = 32 / p.bits();
        if (!e.param("format", "pack-quantized").equals("pack-quantized") || !e.param("bits", "4").equals(
                Integer.toString(p.bits())) || !groupsMatch || sym && Arrays.stream(zeros).anyMatch(z -> z != p.maxq() / 2 + 1)
                || !sym && out % perWord != 0 || scales == ElementType.BF16 && !bf16Holds(source, zeros.length)) {
            return Optional.empty();
        }
        return Optional.of(new GptqRepack(p, Target.CT, out, in, sym, scales, 0));
    }

    /** Whether every f16 scale is a bf16 too. */
    private static boolean bf16Holds(StoredTensor source, int count) {
        MemorySegment scales = source.part(GptqParts.SCALES).data();
        for (int i = 0; i < count; i++) {
            float s = Float.float16ToFloat(scales.get(Layouts.I16, 2L * i));
            if ((Float.floatToRawIntBits(s) & 0xFFFF) != 0) {
                return false;
            }
        }
        return true;
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
        IntPacking packing = IntPacking.stream(p.bits());
        TensorPart qweight = source.part(GptqParts.QWEIGHT);
        MemorySegment scales = source.part(GptqParts.SCALES).data();
        int[] zeros = new int[groups * rows];
        GptqZeroPoints.read(source.part(GptqParts.QZEROS), p, packing, firstRow, rows, zeros);
        int sourceWords = Math.toIntExact(qweight.spec().shape().dim(0));
        int[] words = new int[sourceWords];
        int[] codes = new int[rows * in];
        for (int r = 0; r < rows; r++) {
            Words.gather(qweight.data(), 4 * (firstRow + r), 4L * out, words, 0, sourceWords);
            for (int k = 0; k < in; k++) {
                codes[r * in + k] = packing.field(words, k);
            }
        }
        short[] scaleBits = new short[groups * rows];
        for (int g = 0; g < groups; g++) {
            for (int r = 0; r < rows; r++) {
                scaleBits[g * rows + r] = scales.get(Layouts.I16, 2 * ((long) g * out + firstRow + r));
            }
        }
        switch (target) {
            case AWQ_GEMM -> AwqPacking.gemm(codes, new AwqPacking.Groups(zeros, scaleBits, groups, 1, rows), rows, in,
                    dst);
            case AWQ_GEMV -> AwqPacking.gemv(codes, new AwqPacking.Groups(zeros, scaleBits, groups, 1, rows), rows, in,
                    awqZeroWords, dst);
            case CT -> ct(codes, zeros, scaleBits, rows, dst);
        }
    }

    private void ct(int[] codes, int[] zeros, short[] scales, int rows, MemorySegment[] dst) {
        IntPacking packing = IntPacking.wordAligned(p.bits());
        int perWord = 32 / p.bits();
        int codeWords = (in + perWord - 1) / perWord;
        int[] words = new int[codeWords];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                packing.put(words, k, codes[r * in + k]);
            }
            MemorySegment.copy(words, 0, dst[0], Layouts.I32, 4L * r * codeWords, codeWords);
            for (int g = 0; g < groups; g++) {
                long at = (long) r * groups + g;
                short bits = scales[g * rows + r];
                switch (ctScales) {
                    case F16 -> dst[1].set(Layouts.I16, 2 * at, bits);
                    case F32 -> dst[1].set(Layouts.F32, 4 * at, Float.float16ToFloat(bits));
                    default -> dst[1].set(Layouts.I16, 2 * at,
                            (short) (Float.floatToRawIntBits(Float.float16ToFloat(bits)) >>> 16));
                }
            }
        }
        int shapePart = 2;
        if (!ctSym) {
            int[] word = new int[1];
            for (int w = 0; w < rows / perWord; w++) {
                for (int g = 0; g < groups; g++) {
                    word[0] = 0;
                    for (int f = 0; f < perWord; f++) {
                        packing.put(word, f, zeros[g * rows + w * perWord + f]);
                    }
                    dst[2].set(Layouts.I32, 4L * ((long) w * groups + g), word[0]);
                }
            }
            shapePart = 3;
        }
        dst[shapePart].set(Layouts.I64, 0, rows);
        dst[shapePart].set(Layouts.I64, 8, in);
    }

    @Override
    public void finish(MemorySegment[] dst) {
        if (target == Target.CT) {
            int part = ctSym ? 2 : 3;
            dst[part].set(Layouts.I64, 0, out);
            dst[part].set(Layouts.I64, 8, in);
        }
    }
}
