package dev.requant.plugins.awq;

import static dev.requant.plugins.support.LayerParts.describe;
import static dev.requant.plugins.support.LayerParts.dim;
import static dev.requant.plugins.support.LayerParts.dtype;
import static dev.requant.plugins.support.LayerParts.expectShape;

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
 * The logical tensors of an AWQ checkpoint: the {@code qweight}, {@code qzeros} and {@code scales}
 * of each quantized Linear become one {@code awq} tensor named {@code PREFIX.weight}, shaped
 * {@code [out, in]}, in the place of its first part; every other tensor passes through. Each layer
 * is checked before anything is handed out: part types and shapes against each other, the
 * packing and the group size.
 */
final class AwqTensors {
    private static final List<String> ROLES = List.of(AwqParts.QWEIGHT, AwqParts.QZEROS, AwqParts.SCALES);

    private final Path file;
    private final Optional<AwqConfig> config;
    private final Optional<AwqParams.Version> version;

    private AwqTensors(Path file, Optional<AwqConfig> config) {
        this.file = file;
        this.config = config;
        this.version = config.map(AwqConfig::packing);
    }

    /**
     * @throws IllegalArgumentException when the config names a packing requant does not read
     */
    static List<SourceTensor> of(Path file, ModelSource source, Optional<AwqConfig> config) throws BadInputException {
        return new AwqTensors(file, config).group(source);
    }

    /** The packing a layer's shapes show, when they show one. */
    static Optional<AwqParams.Version> packingOf(StoredTensor qweight, StoredTensor qzeros, StoredTensor scales) {
        Shape q = qweight.info().shape();
        Shape z = qzeros.info().shape();
        Shape s = scales.info().shape();
        if (q.rank() != 2 || z.rank() != 2 || s.rank() != 2) {
            return Optional.empty();
        }
        if (s.dim(1) == 8 * q.dim(1) && z.dim(1) == q.dim(1) && z.dim(0) == s.dim(0)) {
            return Optional.of(AwqParams.Version.GEMM);
        }
        if (q.dim(0) == z.dim(0) && z.dim(0) == s.dim(0) && s.dim(1) == 8 * z.dim(1)) {
            return Optional.of(AwqParams.Version.GEMV);
        }
        return Optional.empty();
    }

    /** The layers of a source: parts by role, by prefix. */
    static Map<String, Map<String, StoredTensor>> layers(ModelSource source) {
        return LayerParts.byPrefix(source, ROLES);
    }

    private List<SourceTensor> group(ModelSource source) throws BadInputException {
        return LayerParts.regroup(source, layers(source), this::layer);
    }

    private StoredTensor layer(String prefix, Map<String, StoredTensor> parts) throws BadInputException {
        String name = prefix + "weight";
        for (String role : ROLES) {
            if (!parts.containsKey(role)) {
                throw BadInputException.inTensor(file, name, prefix + role + " is missing (an AWQ layer stores qweight,"
                        + " qzeros and scales; found " + String.join(", ", parts.keySet()) + ")");
            }
        }
        StoredTensor qweight = parts.get(AwqParts.QWEIGHT);
        StoredTensor qzeros = parts.get(AwqParts.QZEROS);
        StoredTensor scales = parts.get(AwqParts.SCALES);
        int2d(name, qweight);
        int2d(name, qzeros);
        if (!FloatParts.readable(dtype(scales)) || scales.info().shape().rank() != 2) {
            throw BadInputException.inTensor(file, name, "scales is " + describe(scales) + ", expected a 2-d f16, bf16"
                    + " or f32 tensor");
        }
        int bits = config.flatMap(AwqConfig::bits).orElse(4);
        if (bits != 4) {
            throw BadInputException.inTensor(file, name, "bits " + bits + " (" + source() + "): AWQ packs 4-bit codes"
                    + " only");
        }
        AwqParams.Version packing = version.isPresent() ? version.get() : packingOf(qweight, qzeros, scales)
                .orElseThrow(() -> BadInputException.inTensor(file, name, "qweight " + qweight.info().shape()
                        + ", qzeros " + qzeros.info().shape() + " and scales " + scales.info().shape()
                        + " fit neither AWQ packing (GEMM or GEMV), and no config says which"));
        AwqParams params = packing == AwqParams.Version.GEMM ? gemm(name, qweight, qzeros, scales)
                : gemv(name, qweight, qzeros, scales);

        List<TensorPart> stored = new ArrayList<>();
        for (String role : ROLES) {
            TensorPart p = parts.get(role).parts().getFirst();
            stored.add(new TensorPart(new PartSpec(role, p.spec().dtype(), p.spec().shape()), p.data()));
        }
        long out = packing == AwqParams.Version.GEMM ? 8 * dim(qweight, 1) : dim(qweight, 0);
        long in = packing == AwqParams.Version.GEMM ? dim(qweight, 0) : 8 * dim(qweight, 1);
        return new StoredTensor(new TensorInfo(name, Shape.of(out, in), params.encoding()), stored);
    }

    private AwqParams gemm(String name, StoredTensor qweight, StoredTensor qzeros, StoredTensor scales)
            throws BadInputException {
        long in = dim(qweight, 0);
        long out = 8 * dim(qweight, 1);
        long groups = dim(scales, 0);
        int group = group(name, in, groups);
        expectShape(file, name, scales, Shape.of(in / group, out), "groups of " + group + " over " + in + " inputs, and "
                + out + " outputs (8 per qweight word)");
        expectShape(file, name, qzeros, Shape.of(in / group, out / 8), "one 4-bit zero point per group and output");
        return new AwqParams(4, group, AwqParams.Version.GEMM);
    }

    private AwqParams gemv(String name, StoredTensor qweight, StoredTensor qzeros, StoredTensor scales)
            throws BadInputException {
        long out = dim(qweight, 0);
        long in = 8 * dim(qweight, 1);
        int group = config.flatMap(AwqConfig::group).isPresent() ? config.get().group().get()
                : gemvGroupFromShapes(name, in, dim(qzeros, 1));
        if (group <= 0 || in % group != 0) {
            throw BadInputException.inTensor(file, name, "group_size " + group + " (" + source() + ") does not divide"
                    + " the " + in + " inputs");
        }
        AwqParams params;
        int zeroWords;
        try {
            params = new AwqParams(4, group, AwqParams.Version.GEMV);
            zeroWords = params.gemvZeroWords(in);
        } catch (IllegalArgumentException e) {
            throw BadInputException.inTensor(file, name, e.getMessage());
        }
        expectShape(file, name, qzeros, Shape.of(out, zeroWords), "GEMV zero points of " + in / group + " groups per output");
        expectShape(file, name, scales, Shape.of(out, 8L * zeroWords), "GEMV scales beside " + zeroWords + " zero-point words");
        return params;
    }

    /** GEMM group size: from the config, else the inputs over the groups of scales. */
    private int group(String name, long in, long groups) throws BadInputException {
        Optional<Integer> configured = config.flatMap(AwqConfig::group);
        long group = configured.isPresent() ? configured.get() : groups == 0 ? 0 : in / groups;
        if (group <= 0 || in % group != 0) {
            throw BadInputException.inTensor(file, name, (configured.isPresent() ? "group_size " + group + " ("
                    + source() + ")" : groups + " groups of scales") + " do not divide the " + in + " inputs");
        }
        return Math.toIntExact(group);
    }

    /** GEMV without config: the one group size of AutoAWQ's (32, 64, 128) whose zero-point width fits. */
    private int gemvGroupFromShapes(String name, long in, long zeroWords) throws BadInputException {
        List<Integer> fits = new ArrayList<>();
        for (int group : new int[] {32, 64, 128}) {
            if (in % group == 0 && new AwqParams(4, group, AwqParams.Version.GEMV).gemvZeroWords(in) == zeroWords) {
                fits.add(group);
            }
        }
        if (fits.size() != 1) {
            throw BadInputException.inTensor(file, name, "no config says the group size, and " + zeroWords
                    + " zero-point words for " + in + " inputs fit " + (fits.isEmpty() ? "no group size" : "groups of "
                    + fits));
        }
        return fits.getFirst();
    }

    private void int2d(String name, StoredTensor t) throws BadInputException {
        if (dtype(t) != ElementType.I32 || t.info().shape().rank() != 2) {
            throw BadInputException.inTensor(file, name, t.name() + " is " + describe(t) + ", expected a 2-d i32 tensor");
        }
    }

    private String source() {
        return config.map(AwqConfig::source).orElse("no config: read from the tensor shapes");
    }
}
