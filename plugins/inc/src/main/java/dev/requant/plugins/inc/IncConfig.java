package dev.requant.plugins.inc;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The quantization settings neural-compressor writes beside its exports. The GPTQ-compatible
 * ("optimum") export carries one setting in config.json's {@code quantization_config} (or
 * {@code quantize_config.json}): {@code bits}, {@code group_size}, {@code sym}. The native export
 * carries {@code qconfig.json}: per module, keyed {@code "('model.layers.0.mlp.down_proj', 'Linear')"}
 * (3.x) or by the module name (2.x), the algorithm's settings {@code {"rtn": {"dtype": "int",
 * "bits": 4, "use_sym": true, "group_size": 32, ...}}}, or the settings directly with
 * {@code "scheme": "sym" | "asym"} (2.x).
 */
final class IncConfig {
    static final String CONFIG = "config.json";
    static final String QUANTIZE_CONFIG = "quantize_config.json";
    static final String QCONFIG = "qconfig.json";
    private static final Pattern TUPLE_KEY = Pattern.compile("\\(\\s*'([^']*)'\\s*,\\s*'[^']*'\\s*\\)");

    /** One module's setting; {@code groupSize} -1 is one group per row. */
    record Setting(int bits, int groupSize, boolean sym, String source) {
        @Override
        public String toString() {
            return source + ": bits " + bits + ", group_size " + groupSize + ", " + (sym ? "sym" : "asym");
        }
    }

    private IncConfig() {
    }

    /** The setting of a GPTQ-compatible export, if config.json or quantize_config.json has one. */
    static Optional<Setting> optimum(Path folder, Metadata metadata) throws IOException {
        Optional<AuxFile> config = metadata.file(CONFIG);
        if (config.isPresent()) {
            Path file = folder.resolve(CONFIG);
            Map<String, Object> root = JsonValues.asObject(JsonValues.parse(file, config.get().bytes())).orElse(null);
            Map<String, Object> q = root == null ? null : JsonValues.asObject(root.get("quantization_config")).orElse(null);
            if (q != null && q.containsKey("bits")) {
                return Optional.of(setting(file, q, "config.json quantization_config", sym(file, q, true)));
            }
        }
        Optional<AuxFile> quantize = metadata.file(QUANTIZE_CONFIG);
        if (quantize.isPresent()) {
            Path file = folder.resolve(QUANTIZE_CONFIG);
            Map<String, Object> q = JsonValues.asObject(JsonValues.parse(file, quantize.get().bytes())).orElse(null);
            if (q != null && q.containsKey("bits")) {
                return Optional.of(setting(file, q, QUANTIZE_CONFIG, sym(file, q, true)));
            }
        }
        return Optional.empty();
    }

    /** The per-module settings of a native export's qconfig.json, by module name, if there is one. */
    static Optional<Map<String, Setting>> qconfig(Path folder, Metadata metadata) throws IOException {
        Optional<AuxFile> aux = metadata.file(QCONFIG);
        if (aux.isEmpty()) {
            return Optional.empty();
        }
        Path file = folder.resolve(QCONFIG);
        Map<String, Object> root = JsonValues.asObject(JsonValues.parse(file, aux.get().bytes())).orElse(null);
        if (root == null) {
            throw BadInputException.of(file, "a JSON object of module settings is expected");
        }
        Map<String, Setting> modules = new LinkedHashMap<>();
        for (var e : root.entrySet()) {
            Map<String, Object> value = JsonValues.asObject(e.getValue()).orElse(null);
            if (value == null) {
                continue;
            }
            Map<String, Object> settings = value.containsKey("bits") ? value : onlyObjectIn(value);
            if (settings == null || !settings.containsKey("bits")) {
                continue;
            }
            Matcher m = TUPLE_KEY.matcher(e.getKey());
            String module = m.matches() ? m.group(1) : e.getKey();
            String where = QCONFIG + " " + module;
            Object dtype = settings.getOrDefault("dtype", "int");
            if (!(dtype instanceof String d) || !d.startsWith("int")) {
                throw BadInputException.of(file, where + ": dtype " + dtype
                        + " (codes that index a value table) is not supported; requant reads integer codes (dtype int)");
            }
            Object groupDim = settings.getOrDefault("group_dim", 1L);
            if (!Long.valueOf(1).equals(groupDim)) {
                throw BadInputException.of(file, where + ": group_dim " + groupDim
                        + " is not supported; requant reads groups along the input (group_dim 1)");
            }
            boolean sym = settings.containsKey("use_sym") ? bool(file, settings, "use_sym", where)
                    : sym(file, settings, true);
            modules.put(module, setting(file, settings, where, sym));
        }
        return Optional.of(modules);
    }

    private static Setting setting(Path file, Map<String, Object> o, String where, boolean sym) throws BadInputException {
        long bits = integer(file, o, "bits", where);
        if (bits < 1 || bits > 8) {
            throw BadInputException.of(file, where + ": bits " + bits + " is not 1 to 8");
        }
        long group = integer(file, o, "group_size", where);
        if (group == 0 || group < -1 || group > Integer.MAX_VALUE) {
            throw BadInputException.of(file, where + ": group_size " + group + " is not positive or -1");
        }
        return new Setting((int) bits, (int) group, sym, where);
    }

    /** {@code sym} (GPTQ-style) or {@code scheme: sym | asym} (neural-compressor 2.x). */
    private static boolean sym(Path file, Map<String, Object> o, boolean fallback) throws BadInputException {
        if (o.get("sym") instanceof Boolean b) {
            return b;
        }
        Object scheme = o.get("scheme");
        if (scheme == null && !o.containsKey("sym")) {
            return fallback;
        }
        if ("sym".equals(scheme) || "asym".equals(scheme)) {
            return scheme.equals("sym");
        }
        throw BadInputException.of(file, "sym " + o.get("sym") + " / scheme " + scheme + ": true/false or sym/asym expected");
    }

    private static Map<String, Object> onlyObjectIn(Map<String, Object> o) {
        return o.size() == 1 ? JsonValues.asObject(o.values().iterator().next()).orElse(null) : null;
    }

    private static long integer(Path file, Map<String, Object> o, String key, String where) throws BadInputException {
        if (!(o.get(key) instanceof Long l)) {
            throw BadInputException.of(file, where + ": " + key + " is " + o.get(key) + ", not an integer");
        }
        return l;
    }

    private static boolean bool(Path file, Map<String, Object> o, String key, String where) throws BadInputException {
        if (!(o.get(key) instanceof Boolean b)) {
            throw BadInputException.of(file, where + ": " + key + " is " + o.get(key) + ", not true or false");
        }
        return b;
    }
}
