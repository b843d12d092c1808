package dev.requant.plugins.safetensors;

/**
 * JSON strings written the way the tools we want byte-identical output with write them. Headers
 * follow serde_json (the Rust crate): only {@code "}, {@code \} and control characters are
 * escaped, other characters stay raw UTF-8. Index files follow Python's {@code json.dumps} with
 * its default {@code ensure_ascii}: everything outside printable ASCII becomes {@code \\uXXXX}.
 * Both use the short escapes {@code \b \f \n \r \t} and lower-case hex digits.
 */
final class JsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {
    }

    /** Appends {@code s} as a quoted JSON string; {@code asciiOnly} selects Python's style. */
    static StringBuilder quote(StringBuilder out, String s, boolean asciiOnly) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /**
     * Orders strings by Unicode code point, which is both Python's {@code str} order and the byte
     * order of their UTF-8 forms (Rust's {@code String} order); {@link String#compareTo} differs
     * from both for characters outside the Basic Multilingual Plane.
     */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /**
     * True when {@code s} holds a UTF-16 surrogate without its partner: such a string has no UTF-8
     * form (serde_json refuses the {@code \\ud800} escape that produces one).
     */
    static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
