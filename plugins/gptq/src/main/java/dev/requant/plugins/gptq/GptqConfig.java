package dev.requant.plugins.gptq;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.AuxFile;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a checkpoint says about its quantization, from the first of: {@code config.json}'s
 * {@code quantization_config}; {@code quantize_config.json} (AutoGPTQ, GPTQModel);
 * {@code quant_config.json} (older tools); the {@code gptq_*} entries AutoGPTQ writes into the
 * safetensors header. Settings a source leaves out are empty and come from the tensors.
 *
 * @param source    where the settings come from, for messages
 * @param method    {@code quant_method}, lower case ({@code gptq}, {@code awq}, ...); empty when unknown
 * @param format    {@code checkpoint_format} (or GPTQModel's {@code format}): {@code gptq},
 *                  {@code gptq_v2}, {@code marlin}, ...
 * @param packDtype GPTQModel's {@code pack_dtype}; only {@code int32} is read
 * @param dynamic   GPTQModel's per-module rules, first match wins
 */
record GptqConfig(String source, String method, String format, Settings settings, String packDtype,
                  List<Rule> dynamic) {

    /** Settings for a module; empty where the config does not say. */
    record Settings(Optional<Integer> bits, Optional<Integer> group, Optional<Boolean> sym, Optional<Boolean> descAct) {
        static Settings of(Map<String, Object> o) {
            return new Settings(JsonValues.integer(o, "bits").or(() -> JsonValues.integer(o, "w_bit")).map(Math::toIntExact),
                    JsonValues.integer(o, "group_size").or(() -> JsonValues.integer(o, "q_group_size")).map(Math::toIntExact),
                    JsonValues.bool(o, "sym"), JsonValues.bool(o, "desc_act"));
        }

        /** These settings where set, the others where not. */
        Settings over(Settings base) {
            return new Settings(bits.or(base::bits), group.or(base::group), sym.or(base::sym), descAct.or(base::descAct));
        }
    }

    /**
     * A {@code dynamic} entry: a regex matched at the start of module names ({@code re.match});
     * {@code skip} for the {@code -:} entries (module left unquantized).
     */
    record Rule(Pattern pattern, boolean skip, Settings overrides) {
    }

    static final String CONFIG_JSON = "config.json";
    static final String QUANTIZE_CONFIG_JSON = "quantize_config.json";
    static final String QUANT_CONFIG_JSON = "quant_config.json";

    /**
     * The checkpoint's quantization settings, if it has any.
     *
     * @throws IllegalArgumentException when a config file does not parse or a setting is malformed
     */
    static Optional<GptqConfig> find(Metadata metadata) throws IOException {
        Optional<Map<String, Object>> config = json(metadata, CONFIG_JSON)
                .flatMap(c -> JsonValues.object(c, "quantization_config"));
        if (config.isPresent()) {
            return Optional.of(of(CONFIG_JSON + " quantization_config", config.get(), ""));
        }
        for (String name : List.of(QUANTIZE_CONFIG_JSON, QUANT_CONFIG_JSON)) {
            Optional<Map<String, Object>> side = json(metadata, name);
            if (side.isPresent()) {
                // older side files name no method: AutoAWQ's carry its own keys, AutoGPTQ's do not
                Map<String, Object> o = side.get();
                return Optional.of(of(name, o, o.containsKey("w_bit") || o.containsKey("version") ? "awq" : "gptq"));
            }
        }
        return fromHeader(metadata);
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

    /** @param impliedMethod the method when the settings name none ({@code ""}: unknown) */
    private static GptqConfig of(String source, Map<String, Object> o, String impliedMethod) {
        String method = JsonValues.string(o, "quant_method").map(GptqConfig::lower).orElse(impliedMethod);
        String format = JsonValues.string(o, "checkpoint_format").or(() -> JsonValues.string(o, "format")).map(GptqConfig::lower)
                .orElse(JsonValues.bool(o, "is_marlin_format").orElse(false) ? "marlin" : "gptq");
        String packDtype = JsonValues.string(o, "pack_dtype").map(GptqConfig::lower).orElse("int32");
        List<Rule> dynamic = new ArrayList<>();
        Optional<Map<String, Object>> rules = JsonValues.object(o, "dynamic");
        if (rules.isPresent()) {
            for (var e : rules.get().entrySet()) {
                boolean skip = e.getKey().startsWith("-:");
                String regex = skip || e.getKey().startsWith("+:") ? e.getKey().substring(2) : e.getKey();
                try {
                    Settings overrides = Settings.of(JsonValues.asObject(e.getValue()).orElse(Map.of()));
                    dynamic.add(new Rule(Pattern.compile(regex), skip, overrides));
                } catch (PatternSyntaxException bad) {
                    throw new IllegalArgumentException(source + ": dynamic pattern '" + e.getKey() + "' is not a regex: "
                            + bad.getDescription(), bad);
                }
            }
        }
        return new GptqConfig(source, method, format, Settings.of(o), packDtype, List.copyOf(dynamic));
    }

    /** AutoGPTQ's {@code gptq_bits}, {@code gptq_group_size}, ... header entries. */
    private static Optional<GptqConfig> fromHeader(Metadata metadata) {
        String prefix = Metadata.SAFETENSORS_PREFIX + "gptq_";
        Optional<String> bits = metadata.string(prefix + "bits");
        if (bits.isEmpty()) {
            return Optional.empty();
        }
        try {
            Settings s = new Settings(Optional.of(Integer.parseInt(bits.get())),
                    metadata.string(prefix + "group_size").map(Integer::parseInt),
                    metadata.string(prefix + "sym").map(GptqConfig::pythonBool),
                    metadata.string(prefix + "desc_act").map(GptqConfig::pythonBool));
            return Optional.of(new GptqConfig("the safetensors header",
                    metadata.string(prefix + "quant_method").map(GptqConfig::lower).orElse("gptq"),
                    metadata.string(prefix + "checkpoint_format").map(GptqConfig::lower).orElse("gptq"),
                    s, "int32", List.of()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the safetensors header's gptq_* entries are malformed: " + e.getMessage(), e);
        }
    }

    private static boolean pythonBool(String s) {
        return switch (lower(s)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new NumberFormatException("'" + s + "' is not a boolean");
        };
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** True when the config describes a GPTQ checkpoint (in any of its checkpoint formats). */
    boolean isGptq() {
        return method.equals("gptq");
    }

    /** The settings of a module, or empty when a {@code -:} rule leaves it unquantized. */
    Optional<Settings> forModule(String module) {
        for (Rule r : dynamic) {
            if (r.pattern().matcher(module).lookingAt()) {
                return r.skip() ? Optional.empty() : Optional.of(r.overrides().over(settings));
            }
        }
        return Optional.of(settings);
    }
}
