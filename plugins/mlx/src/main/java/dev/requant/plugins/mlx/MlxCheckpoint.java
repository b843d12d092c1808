package dev.requant.plugins.mlx;

import dev.requant.plugins.support.GroupedModel;
import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An MLX checkpoint on top of the safetensors container that holds it: each quantized module's
 * {@code weight}, {@code scales} and {@code biases} become one logical tensor {@code P.weight}
 * (placed where the first of them is stored); every other tensor passes through. A module is
 * quantized when its {@code scales} exist, as mlx-lm's loader decides; bits and group size come from
 * config.json (its per-module entries first), or from the shapes when there is no config.json.
 */
final class MlxCheckpoint {
    static final String CONFIG = "config.json";
    private static final String SCALES_SUFFIX = "." + MlxParts.SCALES;
    private static final String BIASES_SUFFIX = "." + MlxParts.BIASES;
    private static final String WEIGHT_SUFFIX = "." + MlxParts.WEIGHT;

    private MlxCheckpoint() {
    }

    /** Whether a container holds an MLX checkpoint: MLX's config.json entry, or its tensors. */
    static boolean recognises(Path path, ModelSource container) {
        try {
            if (config(path, container.metadata()).isPresent()) {
                return true;
            }
        } catch (IOException e) {
            // an unreadable config.json does not decide; the tensors still can
        }
        Map<String, StoredTensor> byName = GroupedModel.storedByName(container);
        for (String name : byName.keySet()) {
            if (name.endsWith(SCALES_SUFFIX)) {
                String prefix = name.substring(0, name.length() - SCALES_SUFFIX.length());
                StoredTensor w = byName.get(prefix + WEIGHT_SUFFIX);
                if (w != null && w.info().type() == ElementType.U32 && byName.containsKey(prefix + BIASES_SUFFIX)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Groups and checks the tensors of {@code container}; closes nothing on failure. */
    static ModelSource open(Path path, ModelSource container) throws IOException {
        Optional<MlxConfig> config = config(path, container.metadata());
        Map<String, StoredTensor> byName = GroupedModel.storedByName(container);
        Map<String, MlxModule> modules = new LinkedHashMap<>();
        for (String name : byName.keySet()) {
            String prefix = name.endsWith(SCALES_SUFFIX) ? name.substring(0, name.length() - SCALES_SUFFIX.length())
                    : name.endsWith(BIASES_SUFFIX) ? name.substring(0, name.length() - BIASES_SUFFIX.length()) : null;
            if (prefix != null && !modules.containsKey(prefix)) {
                modules.put(prefix, module(path, prefix, byName));
            }
        }
        checkUnpaired(path, byName, modules.keySet(), config);
        Set<String> members = new HashSet<>();
        for (String prefix : modules.keySet()) {
            members.add(prefix + WEIGHT_SUFFIX);
            members.add(prefix + SCALES_SUFFIX);
            members.add(prefix + BIASES_SUFFIX);
        }
        List<StoredTensor> plain = byName.values().stream().filter(t -> !members.contains(t.name())).toList();
        for (MlxModule m : modules.values()) {
            m.checkParts(path);
        }
        Map<String, MlxConfig.Params> params = new LinkedHashMap<>();
        if (config.isPresent()) {
            for (MlxModule m : modules.values()) {
                MlxConfig.Params p = config.get().forModule(m.prefix()).orElseThrow(() -> m.problem(path,
                        "config.json leaves " + m.prefix() + " unquantized (false), but its scales and biases are stored"));
                if (!p.mode().equals(MlxConfig.MODE_AFFINE)) {
                    throw m.problem(path, "is quantized in MLX's " + p.mode() + " mode; requant reads the affine mode only");
                }
                m.checkWidth(path, p, CONFIG);
                params.put(m.prefix(), p);
            }
        } else if (!modules.isEmpty()) {
            MlxConfig.Params p = MlxShapes.infer(path, List.copyOf(modules.values()), plain);
            for (MlxModule m : modules.values()) {
                m.checkWidth(path, p, "inferred from the shapes");
                params.put(m.prefix(), p);
            }
        }
        List<SourceTensor> out = new ArrayList<>();
        Set<String> emitted = new HashSet<>();
        for (SourceTensor t : container.tensors()) {
            String prefix = moduleOf(t.name(), modules.keySet());
            if (prefix == null) {
                out.add(t);
            } else if (emitted.add(prefix)) {
                out.add(modules.get(prefix).logical(params.get(prefix)));
            }
        }
        return new GroupedModel(MlxReader.ID, container, out);
    }

    private static MlxModule module(Path path, String prefix, Map<String, StoredTensor> byName) throws BadInputException {
        StoredTensor weight = byName.get(prefix + WEIGHT_SUFFIX);
        StoredTensor scales = byName.get(prefix + SCALES_SUFFIX);
        StoredTensor biases = byName.get(prefix + BIASES_SUFFIX);
        String name = prefix + WEIGHT_SUFFIX;
        if (weight == null) {
            throw BadInputException.inTensor(path, name, "is missing, but " + prefix
                    + (scales != null ? SCALES_SUFFIX : BIASES_SUFFIX) + " is stored: MLX quantizes a module's weight");
        }
        if (scales == null || biases == null) {
            throw BadInputException.inTensor(path, name, "has " + (scales == null ? "biases but no scales" : "scales but no biases")
                    + " (" + prefix + (scales == null ? SCALES_SUFFIX : BIASES_SUFFIX) + " is missing): MLX's affine mode stores both");
        }
        return new MlxModule(prefix, weight, scales, biases);
    }

    /** Packed codes without scales and biases, or modules config.json quantizes whose scales are missing. */
    private static void checkUnpaired(Path path, Map<String, StoredTensor> byName, Set<String> modules,
                                      Optional<MlxConfig> config) throws BadInputException {
        for (StoredTensor t : byName.values()) {
            if (!t.name().endsWith(WEIGHT_SUFFIX)) {
                continue;
            }
            String prefix = t.name().substring(0, t.name().length() - WEIGHT_SUFFIX.length());
            if (modules.contains(prefix)) {
                continue;
            }
            if (t.info().type() == ElementType.U32) {
                throw BadInputException.inTensor(path, t.name(), "holds packed uint32 codes " + t.info().shape()
                        + " but " + prefix + ".scales and " + prefix + ".biases are missing");
            }
            if (config.isPresent() && config.get().modules().containsKey(prefix)
                    && config.get().modules().get(prefix).isPresent()) {
                throw BadInputException.inTensor(path, t.name(), "config.json quantizes " + prefix + " ("
                        + config.get().modules().get(prefix).get() + "), but its scales and biases are missing and the"
                        + " weight is " + t.info().type().id());
            }
        }
    }

    private static String moduleOf(String name, Set<String> modules) {
        for (String suffix : new String[] {WEIGHT_SUFFIX, SCALES_SUFFIX, BIASES_SUFFIX}) {
            if (name.endsWith(suffix)) {
                String prefix = name.substring(0, name.length() - suffix.length());
                if (modules.contains(prefix)) {
                    return prefix;
                }
            }
        }
        return null;
    }

    /** MLX's entry of the config.json beside the weights, if there is one. */
    private static Optional<MlxConfig> config(Path path, Metadata metadata) throws IOException {
        Optional<AuxFile> file = metadata.file(CONFIG);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        return MlxConfig.read(folder.resolve(CONFIG), file.get().bytes());
    }
}
