package dev.requant.spi;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A quantized tensor type: the id of the {@link QuantScheme} that encodes it and that scheme's
 * parameters, for example {@code q4_k} (no parameters) or {@code gptq{bits:4,group:128}}.
 * Parameters are kept sorted by key so that equal encodings have equal ids.
 */
public record Encoding(String scheme, Map<String, String> params) implements TensorType {

    static final Pattern SCHEME_ID = Pattern.compile("[a-z][a-z0-9_\\-]*");

    public Encoding {
        Objects.requireNonNull(scheme, "scheme");
        if (!SCHEME_ID.matcher(scheme).matches()) {
            throw new IllegalArgumentException("'" + scheme + "' is not a scheme id (lower-case letters, digits, _ and -)");
        }
        params = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(params));
    }

    /** An encoding without parameters. */
    public static Encoding of(String scheme) {
        return new Encoding(scheme, Map.of());
    }

    /** The parameter's value, or {@code fallback} when absent. */
    public String param(String key, String fallback) {
        return params.getOrDefault(key, fallback);
    }

    @Override
    public String id() {
        if (params.isEmpty()) {
            return scheme;
        }
        return params.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(",", scheme + "{", "}"));
    }

    @Override
    public boolean isQuantized() {
        return true;
    }

    @Override
    public String toString() {
        return id();
    }
}
