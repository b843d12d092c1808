package dev.requant.plugins.compressedtensors;

import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.CODES;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.G_IDX;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.PACKED;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.SCALE;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.SHAPE;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.ZERO_POINT;
import static dev.requant.plugins.support.LayerParts.describe;
import static dev.requant.plugins.support.LayerParts.dim;
import static dev.requant.plugins.support.LayerParts.dtype;
import static dev.requant.plugins.support.LayerParts.expectShape;
import static dev.requant.plugins.support.LayerParts.rank;

import dev.requant.kernels.Layouts;
import dev.requant.plugins.support.FloatParts;
import dev.requant.plugins.support.GroupedModel;
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
 * The logical tensors of a compressed-tensors checkpoint: the parts of each quantized Linear
 * ({@code weight_packed} or an int8 {@code weight}, {@code weight_scale}, {@code weight_zero_point},
 * {@code weight_shape}, {@code weight_g_idx}) become one {@code compressed-tensors} tensor named
 * {@code PREFIX.weight}, shaped {@code [out, in]}, in the place of its first part; every other
 * tensor passes through. Each layer is checked before anything is handed out, against its config
 * group when there is one and against the shapes of its parts.
 */
final class CompressedTensorsCheckpoint {
    private static final List<String> SUFFIXES = List.of(PACKED, SCALE, ZERO_POINT, SHAPE, G_IDX);
    private static final List<String> ROLES = List.of(PACKED, CODES, SCALE, ZERO_POINT, SHAPE, G_IDX);

    private final Path file;
    private final Optional<CompressedTensorsConfig> config;

    private CompressedTensorsCheckpoint(Path file, Optional<CompressedTensorsConfig> config) {
        this.file = file;
        this.config = config;
    }

    static List<SourceTensor> of(Path file, ModelSource source, Optional<CompressedTensorsConfig> config)
            throws BadInputException {
        return new CompressedTensorsCheckpoint(file, config).group(source);
    }

    /** The layers of a source: parts by role, by prefix; the int8 codes of unpacked layers included. */
    static Map<String, Map<String, StoredTensor>> layers(ModelSource source) {
        Map<String, Map<String, StoredTensor>> layers = LayerParts.byPrefix(source, SUFFIXES);
        Map<String, StoredTensor> byName = GroupedModel.storedByName(source);
        for (var e : layers.entrySet()) {
            StoredTensor codes = byName.get(e.getKey() + CODES);
            if (!e.getValue().containsKey(PACKED) && codes != null) {
                e.getValue().put(CODES, codes);
            }
        }
        return layers;
    }

    private List<SourceTensor> group(ModelSource source) throws BadInputException {
        return LayerParts.regroup(source, layers(source), this::layer);
    }

    private StoredTensor layer(String prefix, Map<String, StoredTensor> parts) throws BadInputException {
        String name = prefix + "weight";
        boolean packed = parts.containsKey(PACKED);
        if (!packed && !parts.containsKey(CODES)) {
            throw BadInputException.inTensor(file, name, "has " + String.join(", ", parts.keySet()) + " but neither "
                    + prefix + PACKED + " nor " + prefix + CODES);
        }
        if (!parts.containsKey(SCALE)) {
            throw BadInputException.inTensor(file, name, prefix + SCALE + " is missing (found "
                    + String.join(", ", parts.keySet()) + ")");
        }
        if (packed && !parts.containsKey(SHAPE)) {
            throw BadInputException.inTensor(file, name, prefix + SHAPE + " is missing: packed codes need"
                    + " the logical shape");
        }
        String module = prefix.substring(0, prefix.length() - 1);
        Optional<CompressedTensorsConfig.Group> group = config.flatMap(c -> c.groupOf(module));
        Optional<CompressedTensorsConfig.Weights> args = group.flatMap(CompressedTensorsConfig.Group::weights);
        if (args.isPresent() && !args.get().type().equals("int")) {
            throw BadInputException.inTensor(file, name, "config group " + group.get().name() + " quantizes weights to "
                    + args.get().type() + ": only integer weights are read");
        }

        StoredTensor scale = parts.get(SCALE);
        if (!FloatParts.readable(dtype(scale))) {
            throw BadInputException.inTensor(file, name, "weight_scale is " + describe(scale) + ", expected f16, bf16"
                    + " or f32");
        }
        long out;
        long in;
        int bits;
        CompressedTensorsParams.Format format;
        if (packed) {
            StoredTensor codes = parts.get(PACKED);
            long[] shape = logicalShape(name, parts.get(SHAPE));
            out = shape[0];
            in = shape[1];
            if (dtype(codes) != ElementType.I32 || rank(codes) != 2) {
                throw BadInputException.inTensor(file, name, "weight_packed is " + describe(codes) + ", expected a 2-d"
                        + " i32 tensor");
            }
            bits = args.flatMap(CompressedTensorsConfig.Weights::numBits).isPresent() ? args.get().numBits().get()
                    : bitsFromShapes(name, in, codes);
            if (bits < 1 || bits > 8) {
                throw BadInputException.inTensor(file, name, "num_bits " + bits + " is not 1 to 8");
            }
            int perWord = 32 / bits;
            expectShape(file, name, codes, Shape.of(out, (in + perWord - 1) / perWord), bits + "-bit codes of a " + out + " x "
                    + in + " weight (weight_shape), " + perWord + " per word,");
            format = CompressedTensorsParams.Format.PACK_QUANTIZED;
        } else {
            StoredTensor codes = parts.get(CODES);
            if (dtype(codes) != ElementType.I8 || rank(codes) != 2) {
                throw BadInputException.inTensor(file, name, "weight is " + describe(codes) + " beside a weight_scale:"
                        + " only int8 codes are read");
            }
            out = dim(codes, 0);
            in = dim(codes, 1);
            bits = args.flatMap(CompressedTensorsConfig.Weights::numBits).orElse(8);
            format = unpackedFormat(group);
        }

        CompressedTensorsParams.Strategy strategy;
        long groups;
        if (scale.info().shape().numel() == 1) {
            strategy = CompressedTensorsParams.Strategy.TENSOR;
            groups = 1;
        } else {
            if (rank(scale) != 2 || dim(scale, 0) != out) {
                throw BadInputException.inTensor(file, name, "weight_scale is " + scale.info().shape() + " but a weight"
                        + " of " + out + " rows needs [" + out + ", groups]");
            }
            groups = dim(scale, 1);
            strategy = groups == 1 && !args.flatMap(CompressedTensorsConfig.Weights::strategy).equals(Optional.of("group"))
                    ? CompressedTensorsParams.Strategy.CHANNEL : CompressedTensorsParams.Strategy.GROUP;
        }
        int groupSize = 0;
        if (strategy == CompressedTensorsParams.Strategy.GROUP) {
            Optional<Integer> configured = args.flatMap(CompressedTensorsConfig.Weights::groupSize);
            groupSize = configured.isPresent() ? configured.get() : Math.toIntExact((in + groups - 1) / groups);
            if (groupSize <= 0 || (in + groupSize - 1) / groupSize != groups) {
                throw BadInputException.inTensor(file, name, "weight_scale has " + groups + " groups per row, but " + in
                        + " inputs in groups of " + groupSize + (configured.isPresent() ? " (config group "
                        + group.get().name() + ")" : "") + " make " + (groupSize <= 0 ? "none"
                        : (in + groupSize - 1) / groupSize));
            }
        }
        Optional<String> configuredStrategy = args.flatMap(CompressedTensorsConfig.Weights::strategy);
        if (configuredStrategy.isPresent() && !configuredStrategy.get().equals(strategy.id())) {
            throw BadInputException.inTensor(file, name, "weight_scale is " + scale.info().shape() + ", a " + strategy.id()
                    + " scale, but config group " + group.get().name() + " says strategy " + configuredStrategy.get());
        }
        CompressedTensorsParams params = new CompressedTensorsParams(bits, format, strategy, groupSize,
                !parts.containsKey(ZERO_POINT),                scale.parts().getFirst().spec().dtype());
        checkZeroPoint(name, parts.get(ZERO_POINT), params, out, groups, scale, args);
        checkGroupIndexes(name, parts.get(G_IDX), in, groups);

        List<TensorPart> stored = new ArrayList<>();
        for (String role : ROLES) {
            StoredTensor t = parts.get(role);
            if (t != null) {
                TensorPart p = t.parts().getFirst();
                stored.add(new TensorPart(new PartSpec(role, p.spec().dtype(), p.spec().shape()), p.data()));
            }
        }
        return new StoredTensor(new TensorInfo(name, Shape.of(out, in), params.encoding()), stored);
    }

    /** The group's format, else the config's: int-quantized and naive-quantized store the same. */
    private CompressedTensorsParams.Format unpackedFormat(Optional<CompressedTensorsConfig.Group> group) {
        Optional<String> f = group.flatMap(CompressedTensorsConfig.Group::format)
                .or(() -> config.flatMap(CompressedTensorsConfig::format));
        return f.filter("naive-quantized"::equals).isPresent() ? CompressedTensorsParams.Format.NAIVE_QUANTIZED
                : CompressedTensorsParams.Format.INT_QUANTIZED;
    }

    private long[] logicalShape(String name, StoredTensor shape) throws BadInputException {
        ElementType t = dtype(shape);
        if ((t != ElementType.I64 && t != ElementType.I32) || !shape.info().shape().equals(Shape.of(2))) {
            throw BadInputException.inTensor(file, name, "weight_shape is " + describe(shape) + ", expected two"
                    + " integers (i64 or i32)");
        }
        long[] v = new long[2];
        for (int i = 0; i < 2; i++) {
            v[i] = t == ElementType.I64 ? shape.parts().getFirst().data().get(Layouts.I64, 8L * i)
                    : shape.parts().getFirst().data().get(Layouts.I32, 4L * i);
        }
        if (v[0] <= 0 || v[1] <= 0 || v[0] > Integer.MAX_VALUE || v[1] > Integer.MAX_VALUE) {
            throw BadInputException.inTensor(file, name, "weight_shape holds [" + v[0] + ", " + v[1] + "], not the"
                    + " shape of a weight");
        }
        return v;
    }

    /** Without a config: the usual widths first (4, 8), then the others that pack whole fields per word. */
    private int bitsFromShapes(String name, long in, StoredTensor codes) throws BadInputException {
        for (int bits : new int[] {4, 8, 2, 3, 5, 6}) {
            int perWord = 32 / bits;
            if ((in + perWord - 1) / perWord == dim(codes, 1)) {
                return bits;
            }
        }
        throw BadInputException.inTensor(file, name, "weight_packed is " + codes.info().shape() + ": its " + dim(codes, 1)
                + " words per row fit no bit width for " + in + " inputs, and no config says the bits");
    }

    private void checkZeroPoint(String name, StoredTensor zp, CompressedTensorsParams p, long out, long groups,
                                StoredTensor scale,
                                Optional<CompressedTensorsConfig.Weights> args) throws BadInputException {
        if (zp == null) {
            if (args.flatMap(CompressedTensorsConfig.Weights::symmetric).equals(Optional.of(false))) {
                throw BadInputException.inTensor(file, name, "weight_zero_point is missing, but the config says the"
                        + " weights are asymmetric");
            }
            return;
        }
        if (p.strategy() == CompressedTensorsParams.Strategy.TENSOR) {
            if (zp.info().shape().numel() != 1 || (dtype(zp) != ElementType.I8 && dtype(zp) != ElementType.I32)) {
                throw BadInputException.inTensor(file, name, "weight_zero_point is " + describe(zp) + ", expected one"
                        + " integer like the tensor's one scale");
            }
            return;
        }
        if (p.format().packed() && dtype(zp) == ElementType.I32) {
            expectShape(file, name, zp, Shape.of((out + p.perWord() - 1) / p.perWord(), groups), p.bits() + "-bit zero points"
                    + " packed along the " + out + " rows, for " + groups + " groups,");
        } else if (dtype(zp) == ElementType.I8) {
            expectShape(file, name, zp, scale.info().shape(), "int8 zero points beside weight_scale");
        } else {
            throw BadInputException.inTensor(file, name, "weight_zero_point is " + describe(zp) + ", expected "
                    + (p.format().packed() ? "packed i32 or int8" : "int8"));
        }
    }

    private void checkGroupIndexes(String name, StoredTensor gIdx, long in, long groups) throws BadInputException {
        if (gIdx == null) {
            return;
        }
        if (dtype(gIdx) != ElementType.I32 || !gIdx.info().shape().equals(Shape.of(in))) {
            throw BadInputException.inTensor(file, name, "weight_g_idx is " + describe(gIdx) + ", expected i32 [" + in
                    + "]");
        }
        boolean columnOrder = false;
        for (long k = 0; k < in; k++) {
            columnOrder |= gIdx.parts().getFirst().data().get(Layouts.I32, 4 * k) == -1;
        }
        for (long k = 0; k < in && !columnOrder; k++) {
            int g = gIdx.parts().getFirst().data().get(Layouts.I32, 4 * k);
            if (g < 0 || g >= groups) {
                throw BadInputException.inTensor(file, name, "weight_g_idx[" + k + "] is " + g + ", outside the " + groups
                        + " groups of weight_scale");
            }
        }
    }
}
