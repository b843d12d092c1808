package dev.requant.plugins.ct;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * A JSON document as plain Java values: objects are {@code Map<String, Object>} in document
 * order, arrays {@code List<Object>}, numbers {@code Long} or {@code Double}, and strings, booleans
 * and {@code null} as themselves. Enough for the small config files of a checkpoint.
 */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /**
     * The root object of {@code json}.
     *
     * @throws IllegalArgumentException saying what is malformed
     */
    static Map<String, Object> parseObject(byte[] json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            Map<String, Object> root = object(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("text after the JSON object");
            }
            return root;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    private static Object value(JsonParser p) {
        return switch (p.currentToken()) {
            case START_OBJECT -> object(p);
            case START_ARRAY -> array(p);
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT -> p.getValueAsLong();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected " + p.currentToken());
        };
    }

    private static Map<String, Object> object(JsonParser p) {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            map.put(name, value(p));
        }
        return Collections.unmodifiableMap(map);
    }

    private static List<Object> array(JsonParser p) {
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            list.add(value(p));
        }
        return Collections.unmodifiableList(list);
    }

    /** The member's value when it is a string. */
    static Optional<String> string(Map<String, Object> o, String key) {
        return o.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The member's value when it is an integer (or a float with an integral value). */
    static Optional<Long> integer(Map<String, Object> o, String key) {
        return switch (o.get(key)) {
            case Long l -> Optional.of(l);
            case Double d when d == Math.rint(d) && !d.isInfinite() -> Optional.of(d.longValue());
            case null, default -> Optional.empty();
        };
    }

    /** The member's value when it is a boolean. */
    static Optional<Boolean> bool(Map<String, Object> o, String key) {
        return o.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** The member's value when it is an object. */
    static Optional<Map<String, Object>> object(Map<String, Object> o, String key) {
        return asObject(o.get(key));
    }

    /** The value when it is an object. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> asObject(Object value) {
        return value instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }
}
