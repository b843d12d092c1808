package dev.requant.plugins.safetensors;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonToken;

/**
 * The JSON header of a safetensors file, parsed the way the Rust crate deserializes it: the
 * optional {@code __metadata__} object of strings (or null), and every other key a tensor entry
 * with a known {@code dtype}, a {@code shape} of non-negative integers and {@code data_offsets}
 * of exactly two; unknown fields inside an entry are ignored, as serde does.
 *
 * @param metadata the {@code __metadata__} entries in header order
 * @param tensors  the tensor entries in header order (not yet checked against each other)
 */
record Header(Map<String, String> metadata, List<Entry> tensors) {

    /** The key of the metadata object. */
    static final String METADATA_KEY = "__metadata__";

    /**
     * One tensor of a header.
     *
     * @param begin        start of its bytes, relative to the data section
     * @param end          end (exclusive) of its bytes, relative to the data section
     * @param headerOffset the file offset of its key in the header, for error messages
     */
    record Entry(String name, ElementType dtype, long[] shape, long begin, long end, long headerOffset) {
        String shapeText() {
            return Arrays.toString(shape);
        }
    }

    Header {
        metadata = Collections.unmodifiableMap(metadata);
        tensors = List.copyOf(tensors);
    }

    /**
     * Parses header bytes.
     *
     * @param base the file offset of {@code json[0]} (8 in a safetensors file)
     */
    static Header parse(Path file, byte[] json, long base) throws BadInputException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> tensors = new ArrayList<>();
        try (JsonCursor c = JsonCursor.open(file, base, json, "the header")) {
            while (c.next() == JsonToken.PROPERTY_NAME) {
                String key = c.name();
                if (key.equals(METADATA_KEY)) {
                    readMetadata(c, metadata);
                } else {
                    tensors.add(readEntry(c, key));
                }
            }
            c.endDocument();
        }
        return new Header(metadata, tensors);
    }

    private static void readMetadata(JsonCursor c, Map<String, String> into) throws BadInputException {
        JsonToken t = c.next();
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw c.error(METADATA_KEY + " must be an object of strings");
        }
        while (c.next() == JsonToken.PROPERTY_NAME) {
            String key = c.name();
            c.next();
            into.put(key, c.string(METADATA_KEY + " value of \"" + key + "\""));
        }
    }

    private static Entry readEntry(JsonCursor c, String name) throws BadInputException {
        long at = c.offset();
        String where = "tensor '" + name + "': ";
        c.next(JsonToken.START_OBJECT, where + "an object with dtype, shape and data_offsets");
        ElementType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (c.next() == JsonToken.PROPERTY_NAME) {
            switch (c.name()) {
                case "dtype" -> {
                    c.next();
                    String s = c.string(where + "dtype");
                    dtype = Dtypes.parse(s).orElseThrow(() -> c.error(where + "unknown dtype \"" + s + "\""));
                }
                case "shape" -> shape = readIntegers(c, where + "shape", -1);
                case "data_offsets" -> offsets = readIntegers(c, where + "data_offsets", 2);
                default -> {
                    c.next();
                    c.skipValue();
                }
            }
        }
        String missing = dtype == null ? "dtype" : shape == null ? "shape" : offsets == null ? "data_offsets" : null;
        if (missing != null) {
            throw c.errorAt(at, where + "no \"" + missing + "\"");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1], at);
    }

    /** An array of non-negative integers; {@code count} < 0 for any length. */
    private static long[] readIntegers(JsonCursor c, String what, int count) throws BadInputException {
        c.next(JsonToken.START_ARRAY, what + " (an array)");
        List<Long> values = new ArrayList<>();
        while (c.next() != JsonToken.END_ARRAY) {
            if (values.size() == count) {
                throw c.error(what + " must hold exactly " + count + " integers");
            }
            values.add(c.nonNegative(what));
        }
        if (count >= 0 && values.size() != count) {
            throw c.error(what + " must hold exactly " + count + " integers, found " + values.size());
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
