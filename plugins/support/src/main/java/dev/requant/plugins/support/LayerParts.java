package dev.requant.plugins.support;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The stored parts of quantized Linears ({@code a.b.qweight}, {@code a.b.scales}, ...) found by
 * their name's role suffix, grouped per layer prefix ({@code a.b.}), and a layer's parts turned
 * into one logical tensor in the place of its first part, every other tensor passing through.
 */
public final class LayerParts {
    /** A part's layer prefix (with its final dot) and role. */
    public record Split(String prefix, String role) {
    }

    /** Makes the logical tensor of one layer from its parts by role, or says what is inconsistent. */
    @FunctionalInterface
    public interface LayerBuilder {
        StoredTensor layer(String prefix, Map<String, StoredTensor> parts) throws BadInputException;
    }

    private LayerParts() {
    }

    /** The prefix and role of a part's name when it ends in {@code .ROLE} for one of {@code roles}. */
    public static Optional<Split> split(String name, List<String> roles) {
        for (String role : roles) {
            if (name.endsWith("." + role)) {
                return Optional.of(new Split(name.substring(0, name.length() - role.length()), role));
            }
        }
        return Optional.empty();
    }

    /** The stored parts whose names end in one of {@code roles}, by role, by layer prefix, in source order. */
    public static Map<String, Map<String, StoredTensor>> byPrefix(ModelSource source, List<String> roles) {
        Map<String, Map<String, StoredTensor>> layers = new LinkedHashMap<>();
        for (SourceTensor t : source.tensors()) {
            Optional<Split> split = split(t.name(), roles);
            if (split.isPresent() && t instanceof StoredTensor s) {
                layers.computeIfAbsent(split.get().prefix(), k -> new LinkedHashMap<>()).put(split.get().role(), s);
            }
        }
        return layers;
    }

    /** The source's tensors with each layer's parts replaced by what {@code build} makes of them, at the first part's place. */
    public static List<SourceTensor> regroup(ModelSource source, Map<String, Map<String, StoredTensor>> layers,
                                             LayerBuilder build) throws BadInputException {
        Map<String, String> prefixOf = new HashMap<>();
        layers.forEach((prefix, parts) -> parts.values().forEach(t -> prefixOf.put(t.name(), prefix)));
        Set<String> done = new HashSet<>();
        List<SourceTensor> out = new ArrayList<>();
        for (SourceTensor t : source.tensors()) {
            String prefix = prefixOf.get(t.name());
            if (prefix == null) {
                out.add(t);
            } else if (done.add(prefix)) {
                out.add(build.layer(prefix, layers.get(prefix)));
            }
        }
        return out;
    }

    /** The element type a part is stored in. */
    public static ElementType dtype(StoredTensor t) {
        return t.parts().getFirst().spec().dtype();
    }

    public static int rank(StoredTensor t) {
        return t.info().shape().rank();
    }

    public static long dim(StoredTensor t, int i) {
        return t.info().shape().dim(i);
    }

    /** A part as messages name it: {@code i32 [64, 128]}. */
    public static String describe(StoredTensor t) {
        return dtype(t).id() + " " + t.info().shape();
    }

    /** Bad input unless the part of layer {@code name} has {@code shape}, which {@code why} needs. */
    public static void expectShape(Path file, String name, StoredTensor t, Shape shape, String why)
            throws BadInputException {
        if (!t.info().shape().equals(shape)) {
            throw BadInputException.inTensor(file, name, t.name() + " is " + t.info().shape() + " but " + why
                    + " need " + shape);
        }
    }
}
