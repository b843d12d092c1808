package dev.requant.plugins.safetensors;

import dev.requant.spi.BadInputException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * A JSON document read token by token, as strictly as serde_json reads it: UTF-8 only (no byte
 * order mark, no UTF-16 or UTF-32, which Jackson would otherwise detect and accept), duplicate
 * keys refused, nothing but whitespace after the root object. Every problem becomes a
 * {@link BadInputException} at the absolute file offset of the offending byte or token.
 */
final class JsonCursor implements AutoCloseable {
    /** Names and strings may be as long as a whole header (the Rust reader sets no other limit). */
    private static final int MAX_STRING = 100_000_000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_STRING)
                    .maxNameLength(MAX_STRING)
                    .build())
            .build();

    private final Path file;
    private final long base;
    private final JsonParser parser;

    private JsonCursor(Path file, long base, JsonParser parser) {
        this.file = file;
        this.base = base;
        this.parser = parser;
    }

    /**
     * Starts reading a document whose root must be an object, and moves onto that object.
     *
     * @param base the file offset of {@code json[0]}
     * @param what the document, for messages ("the header")
     */
    static JsonCursor open(Path file, long base, byte[] json, String what) throws BadInputException {
        checkUtf8(file, base, json, what);
        if (json.length >= 3 && (json[0] & 0xff) == 0xEF && (json[1] & 0xff) == 0xBB && (json[2] & 0xff) == 0xBF) {
            throw BadInputException.at(file, base, what + " starts with a byte order mark, which JSON does not allow");
        }
        for (int i = 0; i < Math.min(4, json.length); i++) {
            // a NUL here would make Jackson read the bytes as UTF-16 or UTF-32
            if (json[i] == 0) {
                throw BadInputException.at(file, base + i, "invalid JSON: a NUL byte in " + what);
            }
        }
        JsonCursor c;
        try {
            c = new JsonCursor(file, base, FACTORY.createParser(ObjectReadContext.empty(), json));
        } catch (JacksonException e) {
            throw BadInputException.at(file, base, "invalid JSON: " + e.getOriginalMessage());
        }
        try {
            c.next(JsonToken.START_OBJECT, what + " (a JSON object)");
        } catch (BadInputException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Rust reads a header with {@code str::from_utf8}; the first malformed byte is reported. */
    private static void checkUtf8(Path file, long base, byte[] json, String what) throws BadInputException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        CharBuffer out = CharBuffer.allocate(8192);
        CoderResult r;
        while ((r = decoder.decode(in, out.clear(), true)).isOverflow()) {
            // only the position of a malformed sequence matters, not the characters
        }
        if (r.isError()) {
            throw BadInputException.at(file, base + in.position(), what + " is not valid UTF-8");
        }
    }

    /** Moves to the next token; null at the end of the document. */
    JsonToken next() throws BadInputException {
        try {
            return parser.nextToken();
        } catch (JacksonException e) {
            throw invalid(e);
        }
    }

    /** Moves to the next token, which must be {@code expected}. */
    void next(JsonToken expected, String what) throws BadInputException {
        JsonToken t = next();
        if (t != expected) {
            throw error(what + " expected, found " + describe(t));
        }
    }

    /** After the root value: only whitespace may follow. */
    void endDocument() throws BadInputException {
        JsonToken t = next();
        if (t != null) {
            throw error("unexpected " + describe(t) + " after the end of the JSON object");
        }
    }

    /** The absolute file offset of the current token. */
    long offset() {
        return base + Math.max(0, parser.currentTokenLocation().getByteOffset());
    }

    /** A problem at the current token. */
    BadInputException error(String problem) {
        return errorAt(offset(), problem);
    }

    /** A problem at an absolute file offset, such as one taken from {@link #offset()} earlier. */
    BadInputException errorAt(long at, String problem) {
        return BadInputException.at(file, at, problem);
    }

    /** The name of the current property (the current token being {@link JsonToken#PROPERTY_NAME}). */
    String name() throws BadInputException {
        return checked(parser.currentName());
    }

    /** The current token as a string. */
    String string(String what) throws BadInputException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw error(what + " must be a string, found " + describe(parser.currentToken()));
        }
        return checked(parser.getString());
    }

    /** The current token as an integer in {@code [0, Long.MAX_VALUE]}. */
    long nonNegative(String what) throws BadInputException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw error(what + " must be a non-negative integer, found " + describe(parser.currentToken()));
        }
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw error(what + " " + parser.getBigIntegerValue() + " is too large");
        }
        long v = parser.getLongValue();
        if (v < 0) {
            throw error(what + " " + v + " is negative");
        }
        return v;
    }

    /** Skips the current value, with everything nested in it. */
    void skipValue() throws BadInputException {
        try {
            parser.skipChildren();
        } catch (JacksonException e) {
            throw invalid(e);
        }
    }

    @Override
    public void close() {
        parser.close();
    }

    private BadInputException invalid(JacksonException e) {
        long at = e.getLocation() == null ? base : base + Math.max(0, e.getLocation().getByteOffset());
        return BadInputException.at(file, at, "invalid JSON: " + e.getOriginalMessage());
    }

    private String checked(String s) throws BadInputException {
        if (JsonText.hasUnpairedSurrogate(s)) {
            throw error("a string holds an unpaired UTF-16 surrogate escape, which has no UTF-8 form");
        }
        return s;
    }

    private String describe(JsonToken t) {
        if (t == null) {
            return "the end of the document";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case END_OBJECT -> "the end of an object";
            case END_ARRAY -> "the end of an array";
            case PROPERTY_NAME -> "the key \"" + parser.currentName() + "\"";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + parser.getString();
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
