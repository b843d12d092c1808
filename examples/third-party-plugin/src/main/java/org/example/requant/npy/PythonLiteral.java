package org.example.requant.npy;

import dev.requant.spi.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python literals a {@code .npy} header is made of: a dict with string keys whose values are
 * strings, integers, booleans, None, tuples, lists and dicts ({@code ast.literal_eval} accepts
 * more; no header numpy writes uses it). Every value remembers the file offset it starts at, so
 * that a refusal names the exact byte. The text is parsed as bytes: outside string contents
 * a header is ASCII, so offsets stay exact whatever the encoding of its strings.
 */
sealed interface PythonLiteral {
    /** Offset in the file of the value's first byte. */
    long offset();

    record Str(String value, long offset) implements PythonLiteral {
    }

    record Int(long value, long offset) implements PythonLiteral {
    }

    record Bool(boolean value, long offset) implements PythonLiteral {
    }

    record None(long offset) implements PythonLiteral {
    }

    /** A tuple or a list. */
    record Sequence(boolean tuple, List<PythonLiteral> items, long offset) implements PythonLiteral {
    }

    /** A dict, keys in their order in the text. */
    record Dict(Map<String, PythonLiteral> entries, Map<String, Long> keyOffsets, long offset)
            implements PythonLiteral {
    }

    /**
     * Parses {@code text}, which starts at {@code base} in {@code file}: one value, then only
     * whitespace.
     *
     * @param strings the encoding of string contents (latin-1 or UTF-8, by .npy version)
     */
    static PythonLiteral parse(byte[] text, long base, Path file, Charset strings) throws BadInputException {
        Parser p = new Parser(text, base, file, strings);
        PythonLiteral value = p.value(0);
        p.skipSpace();
        if (p.pos < text.length) {
            throw p.error("unexpected '" + (char) (text[p.pos] & 0xFF) + "' after the header's value");
        }
        return value;
    }

    /** A recursive-descent parser over the bytes of one literal. */
    final class Parser {
        /** Deeper nesting than any header has is refused rather than risking the stack. */
        private static final int MAX_DEPTH = 32;

        private final byte[] text;
        private final long base;
        private final Path file;
        private final Charset strings;
        private int pos;

        private Parser(byte[] text, long base, Path file, Charset strings) {
            this.text = text;
            this.base = base;
            this.file = file;
            this.strings = strings;
        }

        private PythonLiteral value(int depth) throws BadInputException {
            if (depth > MAX_DEPTH) {
                throw error("values nested more than " + MAX_DEPTH + " deep");
            }
            skipSpace();
            if (pos >= text.length) {
                throw error("the header ends where a value was expected");
            }
            long at = base + pos;
            byte c = text[pos];
            return switch (c) {
                case '\'', '"' -> new Str(string(), at);
                case '(' -> parenthesized(depth, at);
                case '[' -> new Sequence(false, items(']', depth), at);
                case '{' -> dict(depth, at);
                default -> {
                    if (c == '-' || c == '+' || isDigit(c)) {
                        yield new Int(integer(), at);
                    }
                    String word = word();
                    yield switch (word) {
                        case "True" -> new Bool(true, at);
                        case "False" -> new Bool(false, at);
                        case "None" -> new None(at);
                        default -> throw errorAt(at, word.isEmpty() ? "unexpected '" + (char) (c & 0xFF) + "'"
                                : "'" + word + "' is not a Python literal");
                    };
                }
            };
        }

        /** {@code (x)} is x itself; {@code ()} and {@code (x,)} are tuples, as in Python. */
        private PythonLiteral parenthesized(int depth, long at) throws BadInputException {
            int open = pos;
            List<PythonLiteral> items = items(')', depth);
            if (items.size() == 1 && !trailingComma(open)) {
                return items.getFirst();
            }
            return new Sequence(true, items, at);
        }

        /** True when the last non-space byte before the closing parenthesis is a comma. */
        private boolean trailingComma(int open) {
            int i = pos - 2;
            while (i > open && isSpace(text[i])) {
                i--;
            }
            return i > open && text[i] == ',';
        }

        /** Items up to {@code close}, comma-separated, an optional trailing comma; pos ends after close. */
        private List<PythonLiteral> items(char close, int depth) throws BadInputException {
            pos++;
            List<PythonLiteral> items = new ArrayList<>();
            while (true) {
                skipSpace();
                if (pos < text.length && text[pos] == close) {
                    pos++;
                    return items;
                }
                items.add(value(depth + 1));
                skipSpace();
                if (pos < text.length && text[pos] == ',') {
                    pos++;
                } else if (pos >= text.length || text[pos] != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private Dict dict(int depth, long at) throws BadInputException {
            pos++;
            Map<String, PythonLiteral> entries = new LinkedHashMap<>();
            Map<String, Long> keyOffsets = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (pos < text.length && text[pos] == '}') {
                    pos++;
                    return new Dict(entries, keyOffsets, at);
                }
                long keyAt = base + pos;
                if (pos >= text.length || (text[pos] != '\'' && text[pos] != '"')) {
                    throw error("expected a string key or '}'");
                }
                String key = string();
                skipSpace();
                if (pos >= text.length || text[pos] != ':') {
                    throw error("expected ':' after key '" + key + "'");
                }
                pos++;
                PythonLiteral value = value(depth + 1);
                if (entries.putIfAbsent(key, value) != null) {
                    throw errorAt(keyAt, "key '" + key + "' appears twice");
                }
                keyOffsets.put(key, keyAt);
                skipSpace();
                if (pos < text.length && text[pos] == ',') {
                    pos++;
                } else if (pos >= text.length || text[pos] != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** A quoted string; the escapes a dtype or key could need (quote and backslash). */
        private String string() throws BadInputException {
            long at = base + pos;
            byte quote = text[pos++];
            var bytes = new ByteArrayOutputStream();
            while (pos < text.length && text[pos] != quote) {
                byte b = text[pos++];
                if (b == '\n') {
                    break;
                }
                if (b == '\\') {
                    if (pos >= text.length || (text[pos] != '\\' && text[pos] != '\'' && text[pos] != '"')) {
                        throw error("unsupported escape in a string");
                    }
                    b = text[pos++];
                }
                bytes.write(b);
            }
            if (pos >= text.length || text[pos] != quote) {
                throw errorAt(at, "string is not closed");
            }
            pos++;
            return bytes.toString(strings);
        }

        /** A decimal integer; Python 2 wrote longs with an {@code L} suffix, which is skipped. */
        private long integer() throws BadInputException {
            long at = base + pos;
            boolean negative = text[pos] == '-';
            if (text[pos] == '-' || text[pos] == '+') {
                pos++;
            }
            int start = pos;
            long value = 0;
            while (pos < text.length && isDigit(text[pos])) {
                int digit = text[pos++] - '0';
                if (value > (Long.MAX_VALUE - digit) / 10) {
                    throw errorAt(at, "integer too large");
                }
                value = value * 10 + digit;
            }
            if (pos == start) {
                throw errorAt(at, "a sign without digits");
            }
            if (pos < text.length && (text[pos] == 'L' || text[pos] == 'l')) {
                pos++;
            }
            if (pos < text.length && (isLetter(text[pos]) || text[pos] == '.' || text[pos] == '_')) {
                throw errorAt(at, "not a plain decimal integer");
            }
            return negative ? -value : value;
        }

        private String word() {
            int start = pos;
            while (pos < text.length && isLetter(text[pos])) {
                pos++;
            }
            return new String(text, start, pos - start, StandardCharsets.US_ASCII);
        }

        private void skipSpace() {
            while (pos < text.length && isSpace(text[pos])) {
                pos++;
            }
        }

        private static boolean isSpace(byte b) {
            return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
        }

        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
        }

        private static boolean isLetter(byte b) {
            return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        }

        private BadInputException error(String problem) {
            return errorAt(base + pos, problem);
        }

        private BadInputException errorAt(long offset, String problem) {
            return BadInputException.at(file, offset, "npy header: " + problem);
        }
    }
}
