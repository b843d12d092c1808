package dev.requant.core.recipe;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.BeanProperty;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ValueDeserializer;

/**
 * Reads any {@code Located<T>}: remembers where the value starts, reads the value with Jackson's
 * deserializer for {@code T}, and substitutes {@code ${variables}} in strings.
 */
final class LocatedDeserializer extends ValueDeserializer<Located<?>> {
    static final String SOURCE = "requant.source";
    static final String VARIABLES = "requant.variables";

    private final ValueDeserializer<?> valueDeserializer;

    LocatedDeserializer() {
        this(null);
    }

    private LocatedDeserializer(ValueDeserializer<?> valueDeserializer) {
        this.valueDeserializer = valueDeserializer;
    }

    @Override
    public ValueDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
        // the type being read right now: for a Located inside a list it is the element type, not
        // the type of the property that holds the list
        JavaType located = ctxt.getContextualType() != null ? ctxt.getContextualType() : property.getType();
        JavaType type = located.containedTypeOrUnknown(0);
        return new LocatedDeserializer(ctxt.findContextualValueDeserializer(type, property));
    }

    @Override
    public Located<?> deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
        TokenStreamLocation loc = p.currentTokenLocation();
        Location at = new Location((String) ctxt.getAttribute(SOURCE), loc.getLineNr(), loc.getColumnNr());
        Object value = valueDeserializer.deserialize(p, ctxt);
        if (value instanceof String s) {
            @SuppressWarnings("unchecked")
            var vars = (Map<String, String>) ctxt.getAttribute(VARIABLES);
            value = Variables.substitute(s, vars, at);
        }
        return new Located<>(value, at);
    }

}
