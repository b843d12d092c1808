package dev.requant.plugins.bnb;

import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.support.MalformedJsonException;
import dev.requant.spi.ElementType;
import dev.requant.spi.Shape;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The quant_state of a 4-bit weight: the JSON object bitsandbytes packs into a U8 tensor named
 * {@code P.weight.quant_state.bitsandbytes__nf4} (or {@code __fp4}), for example
 * {@code {"quant_type": "nf4", "blocksize": 64, "dtype": "float16", "shape": [64, 160],
 * "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.0651...}}. The nested
 * fields are present with double quantization only.
 *
 * @param dtype  the weight's dtype before quantization, which bitsandbytes dequantizes to
 * @param shape  the weight's logical shape, {@code [out, in]} for a Linear
 * @param nested the double quantization of the scales, if any
 */
record QuantState(FourBitCode code, int blockSize, ElementType dtype, Shape shape, Optional<Nested> nested) {

    /** The scales' own quantization: 8-bit codes, an f32 scale per {@code blockSize} of them, an offset. */
    record Nested(int blockSize, float offset) {
    }

    /**
     * Reads a packed quant_state.
     *
     * @throws IllegalArgumentException saying what is missing or malformed
     */
    static QuantState parse(byte[] utf8) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("its quant_state is not UTF-8 text");
        }
        Object root;
        try {
            root = JsonValues.parse(utf8, true);
        } catch (MalformedJsonException e) {
            throw new IllegalArgumentException("its quant_state is not valid JSON (" + e.getMessage() + "): "
                    + abbreviated(text));
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("its quant_state is not a JSON object: " + abbreviated(text));
        }
        FourBitCode code = switch (string(map, "quant_type")) {
            case "nf4" -> FourBitCode.NF4;
            case "fp4" -> FourBitCode.FP4;
            default -> throw new IllegalArgumentException("its quant_state's quant_type is '" + map.get("quant_type")
                    + "', not nf4 or fp4");
        };
        int blockSize = positiveInt(map, "blocksize");
        ElementType dtype = BnbDtypes.fromTorch(string(map, "dtype")).orElseThrow(() -> new IllegalArgumentException(
                "its quant_state's dtype is '" + map.get("dtype") + "', not float16, bfloat16 or float32"));
        Shape shape = shape(map);
        Optional<Nested> nested = Optional.empty();
        if (map.containsKey("nested_offset") || map.containsKey("nested_blocksize")) {
            String nestedDtype = string(map, "nested_dtype");
            if (!nestedDtype.equals("float32")) {
                throw new IllegalArgumentException("its quant_state's nested_dtype is '" + nestedDtype
                        + "': bitsandbytes keeps the nested scales in float32");
            }
            if (!(map.get("nested_offset") instanceof Number offset)) {
                throw new IllegalArgumentException("its quant_state has nested_blocksize but no numeric nested_offset");
            }
            nested = Optional.of(new Nested(positiveInt(map, "nested_blocksize"), offset.floatValue()));
        }
        return new QuantState(code, blockSize, dtype, shape, nested);
    }

    /** The nested block size bitsandbytes always uses. */
    static final int NESTED_BLOCK = 256;

    /**
     * The packed state as bitsandbytes writes it ({@code json.dumps} of {@code as_dict}: its key
     * order, {@code ", "} and {@code ": "}, the offset as Python's repr of the f32 value), followed by
     * spaces up to {@code length} bytes, which JSON readers skip.
     *
     * @throws IllegalArgumentException when the text is longer than {@code length}
     */
    byte[] packed(int length) {
        byte[] text = json(nested.map(n -> PythonFloat.repr(n.offset())).orElse("")).getBytes(StandardCharsets.UTF_8);
        if (text.length > length) {
            throw new IllegalArgumentException("the quant_state " + new String(text, StandardCharsets.UTF_8)
                    + " does not fit in " + length + " bytes");
        }
        byte[] out = java.util.Arrays.copyOf(text, length);
        java.util.Arrays.fill(out, text.length, length, (byte) ' ');
        return out;
    }

    /**
     * Bytes of the packed state, known before the offset is: without double quantization the text's
     * own length; with it, room for the longest offset an f32 can have.
     */
    static int packedLength(FourBitCode code, int blockSize, ElementType dtype, Shape shape, boolean nested) {
        QuantState s = new QuantState(code, blockSize, dtype, shape,
                nested ? Optional.of(new Nested(NESTED_BLOCK, 0f)) : Optional.empty());
        return s.json(nested ? "0".repeat(PythonFloat.MAX_F32_LENGTH) : "").getBytes(StandardCharsets.UTF_8).length;
    }

    private String json(String offset) {
        StringBuilder b = new StringBuilder("{\"quant_type\": \"").append(code.name().toLowerCase(java.util.Locale.ROOT))
                .append("\", \"blocksize\": ").append(blockSize).append(", \"dtype\": \"").append(BnbDtypes.toTorch(dtype))
                .append("\", \"shape\": [");
        long[] dims = shape.dims();
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        b.append(']');
        nested.ifPresent(n -> b.append(", \"nested_blocksize\": ").append(n.blockSize())
                .append(", \"nested_dtype\": \"float32\", \"nested_offset\": ").append(offset));
        return b.append('}').toString();
    }

    /** Number of values. */
    long values() {
        return shape.numel();
    }

    /** Number of 4-bit blocks, the last one possibly partial. */
    long blocks() {
        return ceilDiv(values(), blockSize);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static String string(Map<?, ?> map, String key) {
        Object v = map.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(v == null && !map.containsKey(key) ? "its quant_state has no " + key
                : "its quant_state's " + key + " must be a string, found " + v);
    }

    private static int positiveInt(Map<?, ?> map, String key) {
        Object v = map.get(key);
        if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) {
            return (int) (long) l;
        }
        throw new IllegalArgumentException(v == null && !map.containsKey(key) ? "its quant_state has no " + key
                : "its quant_state's " + key + " must be a positive integer, found " + v);
    }

    private static Shape shape(Map<?, ?> map) {
        if (!(map.get("shape") instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException(map.containsKey("shape")
                    ? "its quant_state's shape must be a list of dimensions, found " + map.get("shape")
                    : "its quant_state has no shape");
        }
        List<Long> dims = new ArrayList<>();
        for (Object d : list) {
            if (!(d instanceof Long l) || l < 0) {
                throw new IllegalArgumentException("its quant_state's shape " + list + " has a dimension that is not"
                        + " a non-negative integer");
            }
            dims.add(l);
        }
        try {
            return Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("its quant_state's shape " + list + " has more values than a long counts");
        }
    }

    private static String abbreviated(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }
}
