package dev.requant.core.recipe;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ${name}} and {@code ${name:-default}} in recipe strings, filled from {@code --set name=value}. */
final class Variables {
    private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)(?::-([^}]*))?}");

    private Variables() {
    }

    static String substitute(String text, Map<String, String> values, Location at) {
        Matcher m = REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                throw new RecipeException(at, "variable '" + m.group(1) + "' is not set (use --set "
                        + m.group(1) + "=VALUE)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (out.indexOf("${") >= 0) {
            throw new RecipeException(at, "'" + text + "' has a malformed ${...} reference");
        }
        return out.toString();
    }
}
