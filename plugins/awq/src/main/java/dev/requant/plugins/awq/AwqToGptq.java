package dev.requant.plugins.awq;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;

/**
 * AWQ repacked into 4-bit GPTQ of the same group size without act-order: both compute
 * {@code (code - zero) * scale} in f32 from the same unsigned integers and f16 scales, so it is
 * exact. GPTQ's {@code qweight [in/8, out]} packs along the inputs, {@code qzeros [G, out/8]} along
 * the outputs in order; format v2 stores the zero points as AWQ does, v1 stores them minus one
 * (GPTQModel's whole-word subtraction, which our reader and GPTQModel's undo; a zero point of 0 then
 * borrows from its neighbour, which per-field "+1" readers misread). A symmetric target needs every
 * zero point to be 8.
 */
final class AwqToGptq implements Transcoder {
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    private final AwqParams p;
    private final boolean v1;
    private final int out;
    private final int in;

    private AwqToGptq(AwqParams p, boolean v1, int out, int in) {
        this.p = p;
        this.v1 = v1;
        this.out = out;
        this.in = in;
    }

    static Optional<Transcoder> of(StoredTensor source, AwqParams p, TensorInfo target) {
        if (!(target.type() instanceof Encoding e) || !e.scheme().equals("gptq")
                || source.part(AwqScheme.SCALES).spec().dtype() != ElementType.F16) {
            return Optional.empty();
        }
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int group = Integer.parseInt(e.param("group", "128"));
        if (!e.param("bits", "4").equals("4") || e.param("desc_act", "false").equals("true") || out % 8 != 0
                || (group == -1 ? p.group() != in : group != p.group())) {
            return Optional.empty();
        }
        AwqToGptq t = new AwqToGptq(p, e.param("format", "v1").equals("v1"), out, in);
        if (e.param("sym", "true").equals("true")) {
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

    @Override
    public void transcode(StoredTensor source, long firstRow, int rows, MemorySegment[] dst) {
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

    @Override
    public void finish(MemorySegment[] dst) {
        for (int k = 0; k < in; k++) {
            dst[3].set(Layouts.I32, 4L * k, k / p.group());
        }
    }

    /** Codes, zero points and f16 scale bits of output row {@code n}; a null array is skipped. */
    private void read(StoredTensor source, long n, int[] codes, int[] zeros, short[] scales) {
        MemorySegment qweight = source.part(AwqScheme.QWEIGHT).data();
        MemorySegment qzeros = source.part(AwqScheme.QZEROS).data();
        MemorySegment sc = source.part(AwqScheme.SCALES).data();
        int groups = zeros.length;
        if (p.version() == AwqParams.Version.GEMM) {
            int shift = 4 * AwqScheme.FIELD[(int) (n % 8)];
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
            long zeroWords = source.part(AwqScheme.QZEROS).spec().shape().dim(1);
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
