package dev.requant.plugins.inc;

import dev.requant.kernels.Kernels;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One quantized Linear of a neural-compressor export, {@code P.qweight} and the tensors beside it,
 * checked against each other and against its setting before it becomes the logical tensor
 * {@code P.weight [out, in]}.
 *
 * <p>{@code in} is not always stored: codes are padded to whole words and groups to whole groups,
 * so the shapes bound it to a range (e.g. 3-bit codes 10 to an int32: 16 words hold 151 to 160
 * inputs). {@code g_idx} fixes it when present; otherwise it is the one width in that range that
 * the model has elsewhere (a dimension of a plain tensor or another layer's output width).
 */
record IncModule(String prefix, StoredTensor qweight, StoredTensor scales, StoredTensor qzeros, StoredTensor gIdx,
                 StoredTensor bias, StoredTensor fp8Scale) {
    static final String QWEIGHT = "." + IncParts.QWEIGHT;
    static final String QZEROS = "." + IncParts.QZEROS;
    static final String SCALES = "." + IncParts.SCALES;
    static final String G_IDX = "." + IncParts.G_IDX;
    static final String BIAS = ".bias";
    /** neural-compressor 3.x's per-layer fp8 scale for dual-precision (w4a8) use; 0 when unused. */
    static final String FP8_SCALE = ".scale_bf16_to_fp8";
    static final List<String> MEMBERS = List.of(QWEIGHT, QZEROS, SCALES, G_IDX, FP8_SCALE);

    /** The tensors of module {@code prefix}, whose {@code qweight} exists. */
    static IncModule of(String prefix, Map<String, StoredTensor> byName, Path file) throws BadInputException {
        StoredTensor scales = byName.get(prefix + SCALES);
        if (scales == null) {
            throw BadInputException.inTensor(file, prefix + QWEIGHT, "has no " + prefix + SCALES + " beside it");
        }
        return new IncModule(prefix, byName.get(prefix + QWEIGHT), scales, byName.get(prefix + QZEROS),
                byName.get(prefix + G_IDX), byName.get(prefix + BIAS), byName.get(prefix + FP8_SCALE));
    }

    String name() {
        return prefix + ".weight";
    }

    /** Output width as the layout stores it: qweight's columns (optimum) or scales' rows (native). */
    long out(boolean optimum) {
        return optimum ? dim(qweight, 1) : dim(scales, 0);
    }

    /** GPTQ's orientation: scales {@code [groups, out]} with as many columns as qweight. */
    boolean gptqShaped() {
        return rank(qweight) == 2 && rank(scales) == 2 && dim(scales, 1) == dim(qweight, 1);
    }

    /** A zero bias: neural-compressor's GPTQ-compatible layer registers one whether the model has a bias or not. */
    boolean zeroBias() {
        return bias != null && rank(bias) == 1 && dim(bias, 0) == dim(qweight, 1) && isZero(bias);
    }

    /** The tensors of this module that {@link #logical} takes as parts. */
    List<String> parts(boolean optimum) {
        List<String> names = new ArrayList<>();
        for (StoredTensor t : new StoredTensor[] {qweight, qzeros, scales, gIdx, fp8Scale}) {
            if (t != null) {
                names.add(t.name());
            }
        }
        if (optimum && zeroBias()) {
            names.add(bias.name());
        }
        return names;
    }

    /** Checks every part against the others and the setting, and builds {@code P.weight}. */
    StoredTensor logical(Path file, boolean optimum, IncConfig.Setting s, Set<Long> known) throws BadInputException {
        ElementType word = (ElementType) qweight.info().type();
        if ((optimum ? word != ElementType.I32 : !IncParams.WORD_TYPES.contains(word)) || rank(qweight) != 2) {
            throw problem(file, "is " + word.id() + " " + shape(qweight) + ": " + (optimum
                    ? "the GPTQ-compatible export packs codes in a 2-d int32 tensor" : "codes are packed in a 2-d int tensor"));
        }
        ElementType scale = (ElementType) scales.info().type();
        if (!IncParams.SCALE_TYPES.contains(scale) || rank(scales) != 2) {
            throw problem(file, "its scales are " + scale.id() + " " + shape(scales) + ": a 2-d f16, bf16 or f32 tensor is expected");
        }
        if (8 * IncParams.wordBytes(word) < s.bits()) {
            throw problem(file, s.bits() + "-bit codes (" + s + ") do not fit " + word.id() + " words");
        }
        int n = 8 * IncParams.wordBytes(word) / s.bits();
        long out = out(optimum);
        long groups;
        int dim;
        long[] inRange;
        if (optimum) {
            if (!gptqShaped()) {
                throw problem(file, "its scales " + shape(scales) + " do not match qweight " + shape(qweight)
                        + ": the GPTQ-compatible export stores scales [groups, out] and qweight [ceil(in/" + n + "), out]");
            }
            groups = dim(scales, 0);
            dim = 1;
            inRange = new long[] {(dim(qweight, 0) - 1) * n + 1, dim(qweight, 0) * n};
        } else {
            groups = dim(scales, 1);
            if (dim(qweight, 0) == out) {
                dim = 1;
                inRange = new long[] {(dim(qweight, 1) - 1) * n + 1, dim(qweight, 1) * n};
            } else if (dim(qweight, 0) == IncParams.ceil(out, n)) {
                dim = 0;
                inRange = new long[] {dim(qweight, 1), dim(qweight, 1)};
            } else {
                throw problem(file, shape(qweight) + " fits neither packing of the " + out + " outputs its scales "
                        + shape(scales) + " have: [" + out + ", ...] along the input or [" + IncParams.ceil(out, n)
                        + ", in] along the output (" + s.bits() + "-bit codes, " + n + " per " + word.id() + ")");
            }
        }
        checkZeros(file, optimum, s, word, n, out, groups, dim);
        long in = inputs(file, s, n, groups, inRange, known);
        int[] g = checkGroupIndex(file, in, groups);
        if (fp8Scale != null && !isZero(fp8Scale)) {
            throw BadInputException.inTensor(file, fp8Scale.name(), "is not 0: a dual-precision (w4a8) layer whose"
                    + " weights also carry this fp8 scale; requant does not read that variant");
        }
        IncParams e = new IncParams(optimum, s.bits(), s.groupSize(), s.sym(), g != null, scale, dim, word);
        List<TensorPart> parts = new ArrayList<>();
        parts.add(part(IncParts.QWEIGHT, qweight));
        if (qzeros != null) {
            parts.add(part(IncParts.QZEROS, qzeros));
        }
        parts.add(part(IncParts.SCALES, scales));
        if (gIdx != null) {
            parts.add(part(IncParts.G_IDX, gIdx));
        }
        if (optimum && zeroBias()) {
            parts.add(part("bias", bias));
        }
        if (fp8Scale != null) {
            parts.add(part("scale_bf16_to_fp8", fp8Scale));
        }
        return new StoredTensor(new TensorInfo(name(), Shape.of(out, in), e.encoding()), parts);
    }

    private void checkZeros(Path file, boolean optimum, IncConfig.Setting s, ElementType word, int n, long out,
                            long groups, int dim) throws BadInputException {
        if (!optimum && s.sym()) {
            if (qzeros != null) {
                throw problem(file, "has qzeros " + shape(qzeros) + ", but " + s
                        + " is symmetric, which neural-compressor stores without zero points");
            }
            return;
        }
        if (qzeros == null) {
            throw problem(file, "has no qzeros" + (optimum ? ": the GPTQ-compatible export always stores zero points"
                    : ", but " + s + " is asymmetric, which needs them"));
        }
        Shape expected;
        if (optimum) {
            expected = Shape.of(groups, IncParams.ceil(out, n));
        } else if (dim == 1) {
            expected = Shape.of(out, IncParams.ceil(groups, n));
        } else {
            expected = Shape.of(IncParams.ceil(out, n), groups);
        }
        if (qzeros.info().type() != word || !qzeros.info().shape().equals(expected)) {
            throw problem(file, "its qzeros are " + qzeros.info().type().id() + " " + shape(qzeros) + ", but zero points"
                    + " for " + groups + " group(s) of " + out + " outputs at " + s.bits() + " bits, " + n + " per "
                    + word.id() + ", take " + word.id() + " " + expected + " (" + s + ")");
        }
    }

    private long inputs(Path file, IncConfig.Setting s, int n, long groups, long[] packed, Set<Long> known)
            throws BadInputException {
        long lo = packed[0];
        long hi = packed[1];
        String why = "qweight " + shape(qweight) + " holds " + (lo == hi ? lo : lo + " to " + hi) + " inputs";
        if (s.groupSize() == -1) {
            if (groups != 1) {
                throw problem(file, "its scales " + shape(scales) + " have " + groups
                        + " groups, but group_size -1 (" + s + ") means one per row");
            }
        } else {
            lo = Math.max(lo, (groups - 1) * s.groupSize() + 1);
            hi = Math.min(hi, groups * s.groupSize());
            why += ", its scales " + shape(scales) + " " + groups + " groups of " + s.groupSize();
        }
        if (gIdx != null) {
            long in = gIdx.info().shape().numel();
            if (gIdx.info().type() != ElementType.I32 || rank(gIdx) != 1 || in < lo || in > hi) {
                throw problem(file, "its g_idx is " + gIdx.info().type().id() + " " + shape(gIdx) + ", but " + why
                        + (lo > hi ? ", which disagree" : ""));
            }
            return in;
        }
        if (lo > hi) {
            throw problem(file, why + ": they disagree (" + s + ")");
        }
        if (lo == hi) {
            return lo;
        }
        TreeSet<Long> candidates = new TreeSet<>();
        for (long d : known) {
            if (d >= lo && d <= hi) {
                candidates.add(d);
            }
        }
        if (candidates.size() != 1) {
            throw problem(file, "its input width is not stored: " + why + ", and " + (candidates.isEmpty()
                    ? "no dimension of the model lies in that range" : "the model has several widths in that range "
                    + candidates) + " to tell which");
        }
        return candidates.first();
    }

    /** The groups of g_idx, checked: every one must have scales. */
    private int[] checkGroupIndex(Path file, long in, long groups) throws BadInputException {
        if (gIdx == null) {
            return null;
        }
        int[] g = IncGroupIndexes.read(gIdx.parts().getFirst(), Math.toIntExact(in));
        for (int k = 0; k < g.length; k++) {
            if (g[k] < 0 || g[k] >= groups) {
                throw BadInputException.inTensor(file, gIdx.name(), "entry " + k + " is group " + g[k]
                        + ", but the scales have " + groups + " groups");
            }
        }
        return g;
    }

    BadInputException problem(Path file, String what) {
        return BadInputException.inTensor(file, qweight.name(), what);
    }

    private static boolean isZero(StoredTensor t) {
        if (!(t.info().type() instanceof ElementType e) || !e.isFloat() || e.bits() < 16) {
            return false;
        }
        int count = Math.toIntExact(t.info().shape().numel());
        float[] v = new float[count];
        TensorPart p = t.parts().getFirst();
        switch (e) {
            case F16 -> Kernels.elements().readF16(p.data(), 0, v, 0, count);
            case BF16 -> Kernels.elements().readBf16(p.data(), 0, v, 0, count);
            case F32 -> Kernels.elements().readF32(p.data(), 0, v, 0, count);
            default -> {
                return false;
            }
        }
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static TensorPart part(String role, StoredTensor t) {
        TensorPart data = t.parts().getFirst();
        return new TensorPart(new PartSpec(role, data.spec().dtype(), data.spec().shape()), data.data());
    }

    private static int rank(StoredTensor t) {
        return t.info().shape().rank();
    }

    private static long dim(StoredTensor t, int i) {
        return i < rank(t) ? t.info().shape().dim(i) : -1;
    }

    private static String shape(StoredTensor t) {
        return t.info().shape().toString();
    }
}
