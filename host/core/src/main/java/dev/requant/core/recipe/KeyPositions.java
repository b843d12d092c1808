package dev.requant.core.recipe;

import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.SerializableString;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.sym.PropertyNameMatcher;
import tools.jackson.core.util.JsonParserDelegate;

/**
 * A parser that remembers where each key was last read. Jackson reads records through a token
 * buffer that forgets positions; an unknown key is then located here instead.
 */
final class KeyPositions extends JsonParserDelegate {
    private final Map<String, TokenStreamLocation> lastSeen = new HashMap<>();

    KeyPositions(JsonParser parser) {
        super(parser);
    }

    TokenStreamLocation of(String key) {
        return lastSeen.get(key);
    }

    private void track() {
        if (delegate.currentToken() == JsonToken.PROPERTY_NAME) {
            lastSeen.put(delegate.currentName(), delegate.currentTokenLocation());
        }
    }

    @Override
    public JsonToken nextToken() {
        JsonToken t = super.nextToken();
        track();
        return t;
    }

    @Override
    public String nextName() {
        String n = super.nextName();
        track();
        return n;
    }

    @Override
    public boolean nextName(SerializableString name) {
        boolean b = super.nextName(name);
        track();
        return b;
    }

    @Override
    public int nextNameMatch(PropertyNameMatcher matcher) {
        int i = super.nextNameMatch(matcher);
        track();
        return i;
    }
}
