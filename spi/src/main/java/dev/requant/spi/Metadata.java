package dev.requant.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Metadata that travels from reader to writer: typed key/values in insertion order and the aux
 * files of a model directory.
 *
 * <p>Keys are GGUF-style dotted names. Readers of formats without typed key/values put theirs
 * under a prefix: the safetensors header's {@code __metadata__} entries appear as
 * {@code safetensors.KEY}. A writer stores the keys that belong to its format and ignores the rest.
 */
public final class Metadata {
    /** Prefix of the safetensors {@code __metadata__} string entries. */
    public static final String SAFETENSORS_PREFIX = "safetensors.";

    private final LinkedHashMap<String, MetaValue> values = new LinkedHashMap<>();
    private final LinkedHashMap<String, AuxFile> files = new LinkedHashMap<>();

    public Metadata() {
    }

    /** A deep-enough copy: values are immutable, so only the maps are copied. */
    public Metadata copy() {
        Metadata m = new Metadata();
        m.values.putAll(values);
        m.files.putAll(files);
        return m;
    }

    public Metadata put(String key, MetaValue value) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty metadata key");
        }
        values.put(key, value);
        return this;
    }

    public Optional<MetaValue> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Optional<String> string(String key) {
        return get(key).map(v -> v instanceof MetaValue.Str s ? s.value() : null);
    }

    public Optional<Long> integer(String key) {
        return get(key).map(v -> v instanceof MetaValue.Int i ? i.value() : null);
    }

    public MetaValue remove(String key) {
        return values.remove(key);
    }

    /** The key/values in insertion order, read-only. */
    public Map<String, MetaValue> values() {
        return Collections.unmodifiableMap(values);
    }

    public Metadata putFile(AuxFile file) {
        files.put(file.name(), file);
        return this;
    }

    public Optional<AuxFile> file(String name) {
        return Optional.ofNullable(files.get(name));
    }

    public AuxFile removeFile(String name) {
        return files.remove(name);
    }

    /** The aux files by name, in insertion order, read-only. */
    public Map<String, AuxFile> files() {
        return Collections.unmodifiableMap(files);
    }
}
