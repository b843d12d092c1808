package dev.requant.core.recipe;

import java.util.Collection;
import java.util.stream.Collectors;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.DeserializationProblemHandler;

/**
 * Turns an unknown key into a recipe error at the key itself, naming the keys that are known.
 * (Jackson's own exception loses the position for records, which it reads through a buffer.)
 */
final class UnknownKeyHandler extends DeserializationProblemHandler {
    static final String KEYS = "requant.keys";
    @Override
    public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, ValueDeserializer<?> deserializer,
                                         Object beanOrClass, String propertyName) {
        TokenStreamLocation loc = ((KeyPositions) ctxt.getAttribute(KEYS)).of(propertyName);
        if (loc == null) {
            loc = p.currentTokenLocation();
        }
        Location at = new Location((String) ctxt.getAttribute(LocatedDeserializer.SOURCE), loc.getLineNr(),
                loc.getColumnNr());
        Collection<Object> known = deserializer.getKnownPropertyNames();
        String names = known == null || known.isEmpty() ? "" : known.stream().map(Object::toString).sorted()
                .collect(Collectors.joining(", ", " (known keys: ", ")"));
        throw new RecipeException(at, "unknown key '" + propertyName + "'" + names);
    }
}
