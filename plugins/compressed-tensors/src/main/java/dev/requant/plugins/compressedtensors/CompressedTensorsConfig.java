package dev.requant.plugins.compressedtensors;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.AuxFile;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code config.json}'s {@code quantization_config} as llm-compressor writes it:
 * {@code quant_method: compressed-tensors}, a {@code format} and {@code config_groups}, each with
 * {@code targets} (class names such as {@code Linear}, or {@code re:} regexes on module names) and
 * the {@code weights} quantization arguments.
 *
 * @param method  {@code quant_method}, lower case; empty when absent
 * @param format  the top-level {@code format}; empty when absent
 * @param status  {@code quantization_status} ({@code compressed} when absent)
 * @param groups  the config groups in order
 */
record CompressedTensorsConfig(String method, Optional<String> format, String status, List<Group> groups) {
    static final String SOURCE = "config.json quantization_config";
    static final String METHOD = "compressed-tensors";

    /** Weight quantization arguments; empty where the config does not say. */
    record Weights(Optional<Integer> numBits, String type, Optional<Boolean> symmetric, Optional<String> strategy,
                   Optional<Integer> groupSize) {
    }

    /**
     * A config group.
     *
     * @param patterns the {@code re:} targets, matched at the start of module names
     * @param names    the other targets: module names, or class names that match every Linear
     */
    record Group(String name, List<Pattern> patterns, List<String> names, Optional<Weights> weights,
                 Optional<String> format) {
    }

    /**
     * The config, if {@code config.json} has a {@code quantization_config}.
     *
     * @throws IllegalArgumentException when config.json does not parse or a target regex is malformed
     */
    static Optional<CompressedTensorsConfig> find(Metadata metadata) throws IOException {
        Optional<AuxFile> file = metadata.file("config.json");
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> config;
        try {
            config = JsonValues.parseObject(file.get().bytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        return JsonValues.object(config, "quantization_config").map(CompressedTensorsConfig::of);
    }

    private static CompressedTensorsConfig of(Map<String, Object> q) {
        List<Group> groups = new ArrayList<>();
        for (var e : JsonValues.object(q, "config_groups").orElse(Map.of()).entrySet()) {
            Map<String, Object> g = JsonValues.asObject(e.getValue()).orElse(Map.of());
            List<Pattern> patterns = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Object target : g.get("targets") instanceof List<?> l ? l : List.of()) {
                String t = String.valueOf(target);
                if (t.startsWith("re:")) {
                    try {
                        patterns.add(Pattern.compile(t.substring(3)));
                    } catch (PatternSyntaxException bad) {
                        throw new IllegalArgumentException(SOURCE + ": target '" + t + "' of " + e.getKey()
                                + " is not a regex: " + bad.getDescription(), bad);
                    }
                } else {
                    names.add(t);
                }
            }
            Optional<Weights> weights = JsonValues.object(g, "weights").map(w -> new Weights(
                    JsonValues.integer(w, "num_bits").map(Math::toIntExact),
                    JsonValues.string(w, "type").map(CompressedTensorsConfig::lower).orElse("int"),
                    JsonValues.bool(w, "symmetric"),
                    JsonValues.string(w, "strategy").map(CompressedTensorsConfig::lower),
                    JsonValues.integer(w, "group_size").map(Math::toIntExact)));
            groups.add(new Group(e.getKey(), List.copyOf(patterns), List.copyOf(names), weights,
                    JsonValues.string(g, "format").map(CompressedTensorsConfig::lower)));
        }
        return new CompressedTensorsConfig(
                JsonValues.string(q, "quant_method").map(CompressedTensorsConfig::lower).orElse(""),
                JsonValues.string(q, "format").map(CompressedTensorsConfig::lower),
                JsonValues.string(q, "quantization_status").map(CompressedTensorsConfig::lower).orElse("compressed"),
                List.copyOf(groups));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    boolean isCompressedTensors() {
        return method.equals(METHOD);
    }

    /** Every format the config names: the top-level one and the groups'. */
    Set<String> formats() {
        Set<String> all = new LinkedHashSet<>();
        format.ifPresent(all::add);
        groups.forEach(g -> g.format().ifPresent(all::add));
        return all;
    }

    /**
     * True when the weights are stored as plain floats: the dense format, or a model that is
     * quantized but not compressed (fake-quantized weights beside their scales).
     */
    boolean dense() {
        return !status.equals("compressed") || formats().equals(Set.of("dense"));
    }

    /**
     * The group that quantizes a module: the first whose regex or name targets it, else the first
     * that targets a class (such as {@code Linear}).
     */
    Optional<Group> groupOf(String module) {
        for (Group g : groups) {
            if (g.names().contains(module) || g.patterns().stream().anyMatch(p -> p.matcher(module).lookingAt())) {
                return Optional.of(g);
            }
        }
        return groups.stream().filter(g -> !g.names().isEmpty()).findFirst();
    }
}
