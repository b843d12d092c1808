package dev.requant.plugins.mlx;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The quantization mlx-lm records in config.json:
 * {@code "quantization": {"group_size": 64, "bits": 4, "mode": "affine", MODULE: {...} | false}},
 * duplicated as {@code "quantization_config"} (without a {@code quant_method}, which tells it from
 * the Hugging Face quantizers' entries). Entries keyed by a module path override the defaults for
 * that module; {@code false} leaves it unquantized, {@code true} takes the defaults.
 *
 * @param defaults the global bits, group size and mode
 * @param modules  per-module overrides; an empty value for a module left unquantized
 */
record MlxConfig(Params defaults, Map<String, Optional<Params>> modules) {
    static final String MODE_AFFINE = "affine";

    /** One quantization setting. */
    record Params(int bits, int groupSize, String mode) {
        @Override
        public String toString() {
            return "bits " + bits + ", group_size " + groupSize + (mode.equals(MODE_AFFINE) ? "" : ", mode " + mode);
        }
    }

    MlxConfig {
        modules = Map.copyOf(modules);
    }

    /** The setting of a module: its override, else the defaults; empty when left unquantized. */
    Optional<Params> forModule(String module) {
        return modules.getOrDefault(module, Optional.of(defaults));
    }

    /** The object holding MLX's quantization in a parsed config.json, if there is one. */
    static Optional<Map<String, Object>> section(Object config) {
        Map<String, Object> root = JsonValues.asObject(config).orElse(null);
        if (root == null) {
            return Optional.empty();
        }
        Map<String, Object> q = JsonValues.asObject(root.get("quantization")).orElse(null);
        if (q == null) {
            q = JsonValues.asObject(root.get("quantization_config")).orElse(null);
            if (q != null && q.containsKey("quant_method")) {
                return Optional.empty();
            }
        }
        return q != null && (q.containsKey("bits") || q.containsKey("group_size")) ? Optional.of(q) : Optional.empty();
    }

    /** MLX's quantization from a config.json, if it has one. */
    static Optional<MlxConfig> read(Path file, byte[] json) throws BadInputException {
        Optional<Map<String, Object>> section = section(JsonValues.parse(file, json));
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> q = section.get();
        Params defaults = new Params(integer(file, q, "bits", null), integer(file, q, "group_size", null),
                mode(file, q, MODE_AFFINE));
        Map<String, Optional<Params>> modules = new LinkedHashMap<>();
        for (var e : q.entrySet()) {
            String key = e.getKey();
            if (key.equals("bits") || key.equals("group_size") || key.equals("mode")) {
                continue;
            }
            if (e.getValue() instanceof Boolean b) {
                modules.put(key, b ? Optional.of(defaults) : Optional.empty());
            } else if (JsonValues.asObject(e.getValue()).orElse(null) != null) {
                Map<String, Object> o = JsonValues.asObject(e.getValue()).orElse(null);
                modules.put(key, Optional.of(new Params(integer(file, o, "bits", defaults.bits()),
                        integer(file, o, "group_size", defaults.groupSize()), mode(file, o, defaults.mode()))));
            }
            // anything else (a number, a string) is no module setting mlx-lm writes; it has no effect
        }
        return Optional.of(new MlxConfig(defaults, modules));
    }

    private static int integer(Path file, Map<String, Object> o, String key, Integer fallback) throws BadInputException {
        Object v = o.get(key);
        if (v == null && fallback != null) {
            return fallback;
        }
        if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
            throw BadInputException.of(file, "quantization." + key + " is " + (v == null ? "missing" : v)
                    + ": a positive integer is expected");
        }
        return l.intValue();
    }

    private static String mode(Path file, Map<String, Object> o, String fallback) throws BadInputException {
        Object v = o.getOrDefault("mode", fallback);
        if (!(v instanceof String s)) {
            throw BadInputException.of(file, "quantization.mode is " + v + ": a string is expected");
        }
        return s;
    }
}
