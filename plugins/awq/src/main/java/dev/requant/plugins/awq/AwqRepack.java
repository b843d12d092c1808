package dev.requant.plugins.awq;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.plugins.support.AwqPacking;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;

/**
 * AWQ repacked into 4-bit GPTQ (no act-order) or compressed-tensors pack-quantized of the same
 * group size: all three compute {@code (code - zero) * scale} in f32 from the same unsigned
 * integers and scales, so it is exact.
 * <ul>
 *   <li>GPTQ's {@code qweight [in/8, out]} packs along the inputs, {@code qzeros [G, out/8]} along
 *       the outputs in order; format v2 stores the zero points as AWQ does, v1 stores them minus one
 *       (GPTQModel's whole-word subtraction, which our reader and GPTQModel's undo; a zero point of
 *       0 then borrows from its neighbour, which per-field "+1" readers misread).</li>
 *   <li>compressed-tensors stores {@code q + 8} and {@code zp + 8} for signed {@code q}, {@code zp}:
 *       AWQ's unsigned code and zero point; bf16 target scales must hold every f16 scale.</li>
 * </ul>
 * A symmetric target needs every zero point to be 8.
 */
final class AwqRepack implements Transcoder {
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    private final AwqParams p;
    /** True for a GPTQ target, false for compressed-tensors. */
    private final boolean gptq;
    private final boolean v1;
    private final boolean ctSym;
    private final ElementType ctScales;
    private final int out;
    private final int in;

    private AwqRepack(AwqParams p, boolean gptq, boolean v1, boolean ctSym, ElementType ctScales, int out, int in) {
        this.p = p;
        this.gptq = gptq;
        this.v1 = v1;
        this.ctSym = ctSym;
        this.ctScales = ctScales;
        this.out = out;
        this.in = in;
    }

    static Optional<Transcoder> of(StoredTensor source, AwqParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e)
                || !e.scheme().equals("gptq") && !e.scheme().equals("compressed-tensors")
                || source.part(AwqParts.SCALES).spec().dtype() != ElementType.F16) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        boolean sym = e.param("sym", "true").equals("true");
        AwqRepack t;
        if (e.scheme().equals("gptq")) {
            int group = Integer.parseInt(e.param("group", "128"));
            if (!e.param("bits", "4").equals("4") || e.param("desc_act", "false").equals("true") || out % 8 != 0
                    || (group == -1 ? p.group() != in : group != p.group())) {
                return Optional.empty();
            }
            t = new AwqRepack(p, true, e.param("format", "v1").equals("v1"), false, null, out, in);
        } else {
            boolean groups = e.param("strategy", "group").equals("group")
                    ? Integer.parseInt(e.param("group", "128")) == p.group()
                    : e.param("strategy", "").equals("channel") && p.group() == in;
            ElementType scales = switch (e.param("scales", "bf16")) {
                case "f16" -> ElementType.F16;
                case "f32" -> ElementType.F32;
                default -> ElementType.BF16;
            };
            if (!e.param("format", "pack-quantized").equals("pack-quantized") || !e.param("bits", "4").equals("4")
                    || !groups || !sym && out % 8 != 0 || scales == ElementType.BF16 && !bf16Holds(source)) {
                return Optional.empty();
            }
            t = new AwqRepack(p, false, false, sym, scales, out, in);
        }
        if (sym) {
            int[] zeros = new int[p.groups(in)];
            for (int n = 0; n < out; n++) {
                t.read(source, n, null, zeros, null);
                if (Arrays.stream(zeros).anyMatch(z -> z != 8)) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(t);
    }

    @Override
    public boolean exact() {
        return true;
    }

    @Override
    public double maxError() {
        return 0;
    }

    /** Whether every f16 scale is a bf16 too. */
    private static boolean bf16Holds(StoredTensor source) {
        MemorySegment scales = source.part(AwqParts.SCALES).data();
        for (long i = 0; i < scales.byteSize() / 2; i++) {
            if ((Float.floatToRawIntBits(Float.float16ToFloat(scales.get(Layouts.I16, 2 * i))) & 0xFFFF) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void transcode(StoredTensor source, long firstRow, int rows, MemorySegment[] dst) {
        if (!gptq) {
            toCt(source, firstRow, rows, dst);
            return;
        }
        int groups = p.groups(in);
        int[] codes = new int[in];
        int[] zeros = new int[groups];
        short[] scales = new short[groups];
        int[] words = new int[in / 8];
        int zeroWords = rows / 8;
        int[][] zeroColumns = new int[groups][zeroWords];
        for (int r = 0; r < rows; r++) {
            read(source, firstRow + r, codes, zeros, scales);
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                NIBBLES.put(words, k, codes[k]);
            }
            for (int w = 0; w < words.length; w++) {
                dst[0].set(Layouts.I32, 4L * ((long) w * rows + r), words[w]);
            }
            for (int g = 0; g < groups; g++) {
                NIBBLES.put(zeroColumns[g], r, zeros[g]);
                dst[2].set(Layouts.I16, 2L * ((long) g * rows + r), scales[g]);
            }
        }
        for (int g = 0; g < groups; g++) {
            for (int w = 0; w < zeroWords; w++) {
                dst[1].set(Layouts.I32, 4L * ((long) g * zeroWords + w), zeroColumns[g][w] - (v1 ? 0x11111111 : 0));
            }
        }
        finish(dst);
    }

    /** weight_packed {@code [rows, in/8]}, weight_scale {@code [rows, G]}, packed zero points, weight_shape. */
    private void toCt(StoredTensor source, long firstRow, int rows, MemorySegment[] dst) {
        int groups = p.groups(in);
        int[] codes = new int[in];
        int[] zeros = new int[groups];
        short[] scales = new short[groups];
        int[] words = new int[in / 8];
        int[][] zeroRows = new int[groups][(rows + 7) / 8];
        for (int r = 0; r < rows; r++) {
            read(source, firstRow + r, codes, zeros, scales);
            Arrays.fill(words, 0);
            for (int k = 0; k < in; k++) {
                NIBBLES.put(words, k, codes[k]);
            }
            MemorySegment.copy(words, 0, dst[0], Layouts.I32, 4L * r * words.length, words.length);
            for (int g = 0; g < groups; g++) {
                long at = (long) r * groups + g;
                switch (ctScales) {
                    case F16 -> dst[1].set(Layouts.I16, 2 * at, scales[g]);
                    case F32 -> dst[1].set(Layouts.F32, 4 * at, Float.float16ToFloat(scales[g]));
                    default -> dst[1].set(Layouts.I16, 2 * at,
                            (short) (Float.floatToRawIntBits(Float.float16ToFloat(scales[g])) >>> 16));
                }
                zeroRows[g][r / 8] |= zeros[g] << 4 * (r % 8);
            }
        }
        if (!ctSym) {
            for (int w = 0; w < rows / 8; w++) {
                for (int g = 0; g < groups; g++) {
                    dst[2].set(Layouts.I32, 4L * ((long) w * groups + g), zeroRows[g][w]);
                }
            }
        }
        MemorySegment shape = dst[ctSym ? 2 : 3];
        shape.set(Layouts.I64, 0, rows);
        shape.set(Layouts.I64, 8, in);
    }

    @Override
    public void finish(MemorySegment[] dst) {
        if (gptq) {
            for (int k = 0; k < in; k++) {
                dst[3].set(Layouts.I32, 4L * k, k / p.group());
            }
        } else {
            MemorySegment shape = dst[ctSym ? 2 : 3];
            shape.set(Layouts.I64, 0, out);
            shape.set(Layouts.I64, 8, in);
        }
    }

    /** Codes, zero points and f16 scale bits of output row {@code n}; a null array is skipped. */
    private void read(StoredTensor source, long n, int[] codes, int[] zeros, short[] scales) {
        MemorySegment qweight = source.part(AwqParts.QWEIGHT).data();
        MemorySegment qzeros = source.part(AwqParts.QZEROS).data();
        MemorySegment sc = source.part(AwqParts.SCALES).data();
        int groups = zeros.length;
        if (p.version() == AwqParams.Version.GEMM) {
            int shift = 4 * AwqPacking.FIELD[(int) (n % 8)];
            long words = out / 8;
            for (int k = 0; codes != null && k < in; k++) {
                codes[k] = qweight.get(Layouts.I32, 4 * (k * words + n / 8)) >>> shift & 15;
            }
            for (int g = 0; g < groups; g++) {
                zeros[g] = qzeros.get(Layouts.I32, 4 * (g * words + n / 8)) >>> shift & 15;
                if (scales != null) {
                    scales[g] = sc.get(Layouts.I16, 2 * ((long) g * out + n));
                }
            }
        } else {
            long codeWords = in / 8;
            long zeroWords = source.part(AwqParts.QZEROS).spec().shape().dim(1);
            for (int k = 0; codes != null && k < in; k++) {
                codes[k] = qweight.get(Layouts.I32, 4 * (n * codeWords + k / 8)) >>> 4 * (k % 8) & 15;
            }
            for (int g = 0; g < groups; g++) {
                zeros[g] = qzeros.get(Layouts.I32, 4 * (n * zeroWords + g / 8)) >>> 4 * (g % 8) & 15;
                if (scales != null) {
                    scales[g] = sc.get(Layouts.I16, 2 * (n * 8 * zeroWords + g));
                }
            }
        }
    }
}
