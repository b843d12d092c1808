package dev.requant.plugins.awq;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.AuxFile;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a checkpoint says about its quantization, from the first of: {@code config.json}'s
 * {@code quantization_config} (transformers' {@code AwqConfig}); {@code quant_config.json} and
 * {@code quantize_config.json} (older AutoAWQ: {@code w_bit}, {@code q_group_size},
 * {@code version}).
 *
 * @param source  where the settings come from, for messages
 * @param method  {@code quant_method}, lower case; empty when unknown
 * @param bits    {@code bits} / {@code w_bit}
 * @param group   {@code group_size} / {@code q_group_size}
 * @param version {@code version}, lower case ({@code gemm} when absent)
 * @param backend transformers' {@code backend}: {@code autoawq} unless it says {@code llm-awq}
 */
record AwqConfig(String source, String method, Optional<Integer> bits, Optional<Integer> group, String version,
                 String backend) {

    /**
     * The checkpoint's quantization settings, if it has any.
     *
     * @throws IllegalArgumentException when a config file does not parse
     */
    static Optional<AwqConfig> find(Metadata metadata) throws IOException {
        Optional<Map<String, Object>> config = json(metadata, "config.json")
                .flatMap(c -> JsonValues.object(c, "quantization_config"));
        if (config.isPresent()) {
            return Optional.of(of("config.json quantization_config", config.get()));
        }
        for (String name : List.of("quant_config.json", "quantize_config.json")) {
            Optional<Map<String, Object>> side = json(metadata, name);
            if (side.isPresent()) {
                return Optional.of(of(name, side.get()));
            }
        }
        return Optional.empty();
    }

    private static Optional<Map<String, Object>> json(Metadata metadata, String name) throws IOException {
        Optional<AuxFile> file = metadata.file(name);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JsonValues.parseObject(file.get().bytes()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static AwqConfig of(String source, Map<String, Object> o) {
        // AutoAWQ's own side files name no method; their w_bit and version say what they are
        String method = JsonValues.string(o, "quant_method").map(AwqConfig::lower)
                .orElse(o.containsKey("w_bit") || o.containsKey("version") ? "awq" : "");
        return new AwqConfig(source, method,
                JsonValues.integer(o, "bits").or(() -> JsonValues.integer(o, "w_bit")).map(Math::toIntExact),
                JsonValues.integer(o, "group_size").or(() -> JsonValues.integer(o, "q_group_size")).map(Math::toIntExact),
                JsonValues.string(o, "version").map(AwqConfig::lower).orElse("gemm"),
                JsonValues.string(o, "backend").map(AwqConfig::lower).orElse("autoawq"));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    boolean isAwq() {
        return method.equals("awq");
    }

    /**
     * The packing the tensors are in: transformers' exllama and ipex versions are load-time
     * kernels over GEMM tensors.
     *
     * @throws IllegalArgumentException for packings requant does not read, saying which
     */
    AwqParams.Version packing() {
        if (!backend.equals("autoawq")) {
            throw new IllegalArgumentException(source + " says backend " + backend + ": only AutoAWQ's packing is read"
                    + " (llm-awq packs differently)");
        }
        return switch (version) {
            case "gemm", "exllama", "ipex" -> AwqParams.Version.GEMM;
            case "gemv" -> AwqParams.Version.GEMV;
            default -> throw new IllegalArgumentException(source + " says version " + version + ": only gemm (also"
                    + " exllama, ipex) and gemv are read");
        };
    }
}
