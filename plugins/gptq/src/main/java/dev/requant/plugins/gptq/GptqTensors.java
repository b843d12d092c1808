package dev.requant.plugins.gptq;

import static dev.requant.plugins.support.LayerParts.describe;
import static dev.requant.plugins.support.LayerParts.dim;
import static dev.requant.plugins.support.LayerParts.dtype;
import static dev.requant.plugins.support.LayerParts.expectShape;
import static dev.requant.plugins.support.LayerParts.rank;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.FloatParts;
import dev.requant.plugins.support.LayerParts;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The logical tensors of a GPTQ checkpoint: the {@code qweight}, {@code qzeros}, {@code scales}
 * and {@code g_idx} of each quantized Linear become one {@code gptq} tensor named
 * {@code PREFIX.weight}, shaped {@code [out, in]}, in the place of its first part; every other
 * tensor passes through. Each layer is checked before anything is handed out: part types and
 * shapes against each other and the bits, and every {@code g_idx} against the groups.
 */
final class GptqTensors {
    private final Path file;
    private final Optional<GptqConfig> config;

    private GptqTensors(Path file, Optional<GptqConfig> config) {
        this.file = file;
        this.config = config;
    }

    static List<SourceTensor> of(Path file, ModelSource source, Optional<GptqConfig> config) throws BadInputException {
        return new GptqTensors(file, config).group(source);
    }

    /** The layers of a source: parts by role, by prefix. */
    static Map<String, Map<String, StoredTensor>> layers(ModelSource source) {
        return LayerParts.byPrefix(source, GptqParts.ROLES);
    }

    private List<SourceTensor> group(ModelSource source) throws BadInputException {
        return LayerParts.regroup(source, layers(source), this::layer);
    }

    private StoredTensor layer(String prefix, Map<String, StoredTensor> parts) throws BadInputException {
        String name = prefix + "weight";
        for (String role : List.of(GptqParts.QWEIGHT, GptqParts.QZEROS, GptqParts.SCALES)) {
            if (!parts.containsKey(role)) {
                throw BadInputException.inTensor(file, name, prefix + role + " is missing (a GPTQ layer stores "
                        + "qweight, qzeros, scales and g_idx; found " + String.join(", ", parts.keySet()) + ")");
            }
        }
        String module = prefix.substring(0, prefix.length() - 1);
        GptqConfig.Settings settings = config.isEmpty() ? new GptqConfig.Settings(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()) : config.get().forModule(module).orElseThrow(() ->
                BadInputException.inTensor(file, name, "is stored quantized, but a dynamic rule of "
                        + config.get().source() + " leaves " + module + " unquantized"));

        StoredTensor qweight = parts.get(GptqParts.QWEIGHT);
        StoredTensor qzeros = parts.get(GptqParts.QZEROS);
        StoredTensor scales = parts.get(GptqParts.SCALES);
        StoredTensor gIdx = parts.get(GptqParts.G_IDX);
        int2d(name, qweight);
        int2d(name, qzeros);
        if (!FloatParts.readable(dtype(scales)) || rank(scales) != 2) {
            throw BadInputException.inTensor(file, name, "scales is " + describe(scales) + ", expected a 2-d f16, bf16"
                    + " or f32 tensor");
        }
        if (gIdx != null && (dtype(gIdx) != ElementType.I32 || rank(gIdx) != 1)) {
            throw BadInputException.inTensor(file, name, "g_idx is " + describe(gIdx) + ", expected a 1-d i32 tensor");
        }
        long out = dim(qweight, 1);
        long groups = dim(scales, 0);
        int bits = settings.bits().isPresent() ? settings.bits().get() : bitsFromShapes(name, out, qzeros);
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw BadInputException.inTensor(file, name, "bits " + bits + " (" + source() + ") is not 2, 3, 4 or 8");
        }
        IntPacking packing = IntPacking.stream(bits);
        long in = gIdx != null ? dim(gIdx, 0) : inFromWords(name, dim(qweight, 0), bits);

        expectShape(file, name, qweight, Shape.of(packing.wordsFor(in), out), bits + "-bit codes of " + in + " inputs and "
                + out + " outputs");
        expectShape(file, name, scales, Shape.of(groups, out), "one scale per group and output, like qweight's " + out
                + " outputs");
        expectShape(file, name, qzeros, Shape.of(groups, packing.wordsFor(out)), bits + "-bit zero points for the " + groups
                + " groups of scales and " + out + " outputs");
        int group = settings.group().orElseGet(() -> groupFromShapes(in, groups, gIdx));
        if (group == 0 || group < -1) {
            throw BadInputException.inTensor(file, name, "group_size " + group + " (" + source() + ") is neither -1"
                    + " nor positive");
        }
        GptqParams sizing = new GptqParams(bits, group, true, false, GptqParams.Format.V1, false);
        if (sizing.groups(in) != groups) {
            throw BadInputException.inTensor(file, name, "scales has " + groups + " groups, but " + in + " inputs in "
                    + "groups of " + (group == -1 ? "all of them" : group) + " (" + source() + ") make "
                    + sizing.groups(in));
        }
        // act-order as the data has it: g_idx scatters the groups (static_groups leaves them in runs)
        boolean descAct = gIdx != null && checkGroupIndexes(name, gIdx, in, groups, group == -1 ? Math.toIntExact(in) : group);
        GptqParams.Format format = format(name);
        boolean sym = settings.sym().orElseGet(() -> symmetric(qzeros, packing, format, out));
        GptqParams params = new GptqParams(bits, group, sym, descAct, format, false);

        List<TensorPart> stored = new ArrayList<>();
        for (String role : GptqParts.ROLES) {
            StoredTensor t = parts.get(role);
            if (t != null) {
                TensorPart p = t.parts().getFirst();
                stored.add(new TensorPart(new PartSpec(role, p.spec().dtype(), p.spec().shape()), p.data()));
            }
        }
        return new StoredTensor(new TensorInfo(name, Shape.of(out, in), params.encoding()), stored);
    }

    private GptqParams.Format format(String name) throws BadInputException {
        String f = config.map(GptqConfig::format).orElse("gptq");
        return switch (f) {
            case "gptq" -> GptqParams.Format.V1;
            case "gptq_v2" -> GptqParams.Format.V2;
            default -> throw BadInputException.inTensor(file, name, "checkpoint_format '" + f + "' (" + source()
                    + ") is not read: only gptq (v1) and gptq_v2 store the GPTQ layout");
        };
    }

    /** Bits per zero point: {@code qzeros} packs one per output column. */
    private int bitsFromShapes(String name, long out, StoredTensor qzeros) throws BadInputException {
        for (int bits : new int[] {4, 8, 2, 3}) {
            if (IntPacking.stream(bits).wordsFor(out) == dim(qzeros, 1)) {
                return bits;
            }
        }
        throw BadInputException.inTensor(file, name, "qzeros is " + describe(qzeros) + ": its " + dim(qzeros, 1)
                + " words per group fit no bit width (2, 3, 4, 8) for " + out + " outputs, and no config says the bits");
    }

    private long inFromWords(String name, long words, int bits) throws BadInputException {
        if (words * 32 % bits != 0) {
            throw BadInputException.inTensor(file, name, "there is no g_idx, and qweight's " + words + " rows of "
                    + bits + "-bit codes are no whole number of inputs");
        }
        return words * 32 / bits;
    }

    /** Without a config: one group is -1 (whole rows), else as many columns as group 0 has. */
    private static int groupFromShapes(long in, long groups, StoredTensor gIdx) {
        if (groups == 1) {
            return -1;
        }
        if (gIdx != null) {
            int n = 0;
            for (long k = 0; k < in; k++) {
                if (intAt(gIdx, k) == 0) {
                    n++;
                }
            }
            return Math.max(1, n);
        }
        return Math.toIntExact((in + groups - 1) / groups);
    }

    /**
     * Every group index within the groups; returns whether they are scattered (act-order) rather
     * than consecutive runs of {@code groupSize}.
     */
    private boolean checkGroupIndexes(String name, StoredTensor gIdx, long in, long groups, int groupSize)
            throws BadInputException {
        boolean scattered = false;
        for (long k = 0; k < in; k++) {
            int g = intAt(gIdx, k);
            if (g < 0 || g >= groups) {
                throw BadInputException.inTensor(file, name, "g_idx[" + k + "] is " + g + ", outside the " + groups
                        + " groups of scales and qzeros");
            }
            scattered |= g != k / groupSize;
        }
        return scattered;
    }

    /** Without a config: symmetric when every zero point is the midpoint {@code 2^(bits-1)}. */
    private static boolean symmetric(StoredTensor qzeros, IntPacking packing, GptqParams.Format format, long out) {
        int words = Math.toIntExact(dim(qzeros, 1));
        int[] row = new int[words];
        int mid = 1 << (packing.bits() - 1);
        int stored = format == GptqParams.Format.V1 ? mid - 1 : mid;
        for (long g = 0; g < dim(qzeros, 0); g++) {
            Words.read(qzeros.parts().getFirst().data(), 4 * g * words, row, 0, words);
            for (long n = 0; n < out; n++) {
                if (packing.field(row, n) != stored) {
                    return false;
                }
            }
        }
        return true;
    }

    private void int2d(String name, StoredTensor t) throws BadInputException {
        if (dtype(t) != ElementType.I32 || rank(t) != 2) {
            throw BadInputException.inTensor(file, name, t.name() + " is " + describe(t) + ", expected a 2-d i32 tensor"
                    + (dtype(t) != ElementType.I32 ? " (only pack_dtype int32 is read)" : ""));
        }
    }

    private String source() {
        return config.map(GptqConfig::source).orElse("no config: read from the tensor shapes");
    }

    private static int intAt(StoredTensor t, long i) {
        return t.parts().getFirst().data().get(Layouts.I32, 4 * i);
    }
}
