package dev.requant.plugins.intel;

import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * A small JSON document (config.json, qconfig.json) as plain Java values: objects as ordered maps, arrays as
 * lists, numbers as {@link Long} or {@link Double}, strings, booleans and {@code null}.
 */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    static Object parse(Path file, byte[] json) throws BadInputException {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            Object value = value(p, p.nextToken());
            if (p.nextToken() != null) {
                throw BadInputException.at(file, p.currentTokenLocation().getByteOffset(),
                        "invalid JSON: something follows the end of the document");
            }
            return value;
        } catch (JacksonException e) {
            long at = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset());
            throw BadInputException.at(file, at, "invalid JSON: " + e.getOriginalMessage());
        }
    }

    private static Object value(JsonParser p, JsonToken t) {
        if (t == null) {
            throw new tools.jackson.core.exc.StreamReadException(p, "the document is empty");
        }
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken n = p.nextToken(); n == JsonToken.PROPERTY_NAME; n = p.nextToken()) {
                    String key = p.currentName();
                    m.put(key, value(p, p.nextToken()));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
                    l.add(value(p, n));
                }
                yield l;
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new tools.jackson.core.exc.StreamReadException(p, "unexpected " + t);
        };
    }

    /** The value as an object, or null when it is something else. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
