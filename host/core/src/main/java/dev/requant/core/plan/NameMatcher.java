package dev.requant.core.plan;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Matches tensor names: a glob over the whole name ({@code *} any run of characters, {@code ?} one
 * character), or after {@code re:} a regular expression found anywhere in the name, as llama.cpp's
 * {@code --tensor-type} does.
 */
public final class NameMatcher {
    private static final String REGEX_PREFIX = "re:";

    private final String text;
    private final Pattern pattern;
    private final boolean whole;

    private NameMatcher(String text, Pattern pattern, boolean whole) {
        this.text = text;
        this.pattern = pattern;
        this.whole = whole;
    }

    /** @throws IllegalArgumentException for a regular expression that does not compile */
    public static NameMatcher of(String text) {
        if (text.startsWith(REGEX_PREFIX)) {
            try {
                return new NameMatcher(text, Pattern.compile(text.substring(REGEX_PREFIX.length())), false);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
            }
        }
        StringBuilder re = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new NameMatcher(text, Pattern.compile(re.toString()), true);
    }

    public boolean matches(String name) {
        var m = pattern.matcher(name);
        return whole ? m.matches() : m.find();
    }

    @Override
    public String toString() {
        return text;
    }
}
