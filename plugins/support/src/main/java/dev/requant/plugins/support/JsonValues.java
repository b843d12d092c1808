package dev.requant.plugins.support;

import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

/**
 * The small JSON files of a checkpoint (config.json, quantize_config.json, a bitsandbytes
 * quant_state) as plain Java values: objects as maps in document order, arrays as lists, integers
 * as {@link Long} (beyond its range as {@link Double}), other numbers as {@link Double}, strings,
 * booleans and {@code null} as themselves. Jackson's streaming parser does the reading; a
 * plugin gets no data-binding library for a few keys.
 */
public final class JsonValues {
    /** Python's json module takes the last of duplicate keys, and so do the config readers here. */
    private static final JsonFactory LENIENT = new JsonFactory();
    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private JsonValues() {
    }

    /**
     * The document's value, or what is malformed in it; with {@code refuseDuplicateKeys}, an object
     * that names a key twice is malformed.
     */
    public static Object parse(byte[] json, boolean refuseDuplicateKeys) throws MalformedJsonException {
        try (JsonParser p = (refuseDuplicateKeys ? STRICT : LENIENT).createParser(ObjectReadContext.empty(), json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new MalformedJsonException(0, "the document is empty");
            }
            Object value = value(p);
            if (p.nextToken() != null) {
                throw new MalformedJsonException(p.currentTokenLocation().getByteOffset(),
                        "something follows the end of the document");
            }
            return value;
        } catch (JacksonException e) {
            long at = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset());
            throw new MalformedJsonException(at, e.getOriginalMessage());
        }
    }

    /** The document's value; malformed JSON is bad input at its byte offset in {@code file}. */
    public static Object parse(Path file, byte[] json) throws BadInputException {
        try {
            return parse(json, false);
        } catch (MalformedJsonException e) {
            throw BadInputException.at(file, e.byteOffset(), "invalid JSON: " + e.reason());
        }
    }

    /**
     * The document's root object.
     *
     * @throws IllegalArgumentException saying what is malformed, or that the root is no object
     */
    public static Map<String, Object> parseObject(byte[] json) {
        try {
            return asObject(parse(json, false)).orElseThrow(() -> new IllegalArgumentException("not a JSON object"));
        } catch (MalformedJsonException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Object value(JsonParser p) {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, value(p));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new StreamReadException(p, "unexpected " + p.currentToken());
        };
    }

    /** The member's value when it is a string. */
    public static Optional<String> string(Map<String, Object> o, String key) {
        return o.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The member's value when it is an integer (or a float with an integral value). */
    public static Optional<Long> integer(Map<String, Object> o, String key) {
        return switch (o.get(key)) {
            case Long l -> Optional.of(l);
            case Double d when d == Math.rint(d) && !d.isInfinite() -> Optional.of(d.longValue());
            case null, default -> Optional.empty();
        };
    }

    /** The member's value when it is a boolean. */
    public static Optional<Boolean> bool(Map<String, Object> o, String key) {
        return o.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** The member's value when it is an object. */
    public static Optional<Map<String, Object>> object(Map<String, Object> o, String key) {
        return asObject(o.get(key));
    }

    /** The value when it is an object. */
    @SuppressWarnings("unchecked")
    public static Optional<Map<String, Object>> asObject(Object value) {
        return value instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }
}
