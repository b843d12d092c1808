package dev.requant.plugins.compressedtensors;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of the {@code compressed-tensors} encoding (compressed-tensors integer weights), e.g.
 * {@code compressed-tensors{bits:4,format:pack-quantized,group:128,strategy:group,sym:true}} or
 * {@code compressed-tensors{bits:8,format:int-quantized,strategy:channel,sym:false}}.
 *
 * @param bits     bits per code, 1 to 8 (4 and 8 in practice)
 * @param format   how codes are stored: {@code pack-quantized} (offset to unsigned and packed into
 *                 int32 words, {@code 32 / bits} per word) or {@code int-quantized} /
 *                 {@code naive-quantized} (one signed int8 per code; the two store the same)
 * @param strategy what one scale covers: a group of input columns, a whole row (channel) or the
 *                 whole tensor
 * @param group    input columns per group; only for the group strategy (0 otherwise)
 * @param sym      symmetric: no zero points are stored
 * @param scales   the element type of {@code weight_scale}, the model's dtype: bf16 (named in the
 *                 encoding only when it is not bf16), f16 or f32
 */
record CompressedTensorsParams(int bits, Format format, Strategy strategy, int group, boolean sym, ElementType scales) {
    static final String SCHEME = "compressed-tensors";
    private static final Set<String> KEYS = Set.of("bits", "format", "strategy", "group", "sym", "scales");

    enum Format {
        PACK_QUANTIZED, INT_QUANTIZED, NAIVE_QUANTIZED;

        String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Format of(String id) {
            for (Format f : values()) {
                if (f.id().equals(id)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("format: '" + id + "' is not pack-quantized, int-quantized or"
                    + " naive-quantized");
        }

        boolean packed() {
            return this == PACK_QUANTIZED;
        }
    }

    enum Strategy {
        GROUP, CHANNEL, TENSOR;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Strategy of(String id) {
            for (Strategy s : values()) {
                if (s.id().equals(id)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("strategy: '" + id + "' is not group, channel or tensor");
        }
    }

    CompressedTensorsParams {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("bits: " + bits + " is not 1 to 8");
        }
        if (strategy == Strategy.GROUP ? group <= 0 : group != 0) {
            throw new IllegalArgumentException(strategy == Strategy.GROUP ? "group: " + group + " is not positive"
                    : "group: only the group strategy has a group size");
        }
    }

    /**
     * Parses encoding parameters; absent ones take the defaults {@code bits:4,
     * format:pack-quantized, strategy:group, group:128, sym:true}.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or malformed
     */
    static CompressedTensorsParams of(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("compressed-tensors has no parameter '" + key + "' (parameters: bits, format,"
                        + " strategy, group, sym, scales)");
            }
        }
        Strategy strategy = Strategy.of(params.getOrDefault("strategy", "group"));
        int group = strategy == Strategy.GROUP ? integer(params, "group", 128) : integer(params, "group", 0);
        String sym = params.getOrDefault("sym", "true");
        if (!sym.equals("true") && !sym.equals("false")) {
            throw new IllegalArgumentException("sym: '" + sym + "' is neither true nor false");
        }
        return new CompressedTensorsParams(integer(params, "bits", 4),
                Format.of(params.getOrDefault("format", "pack-quantized")),
                strategy, group, Boolean.parseBoolean(sym), scaleType(params.getOrDefault("scales", "bf16")));
    }

    /** The parameters of a tensor whose type is a {@code compressed-tensors} encoding. */
    static CompressedTensorsParams of(TensorInfo tensor) {
        if (!(tensor.type() instanceof Encoding e) || !e.scheme().equals(SCHEME)) {
            throw new IllegalArgumentException(tensor.name() + " is " + tensor.type().id() + ", not compressed-tensors");
        }
        return of(e.params());
    }

    Encoding encoding() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bits", Integer.toString(bits));
        p.put("format", format.id());
        p.put("strategy", strategy.id());
        if (strategy == Strategy.GROUP) {
            p.put("group", Integer.toString(group));
        }
        p.put("sym", Boolean.toString(sym));
        if (scales != ElementType.BF16) {
            p.put("scales", scales.id());
        }
        return new Encoding(SCHEME, p);
    }

    /** Scales per row: groups of the input columns, or one. */
    int groups(long in) {
        return strategy == Strategy.GROUP ? Math.toIntExact((in + group - 1) / group) : 1;
    }

    /** Codes per packed int32 word. */
    int perWord() {
        return 32 / bits;
    }

    private static ElementType scaleType(String id) {
        return switch (id) {
            case "bf16" -> ElementType.BF16;
            case "f16" -> ElementType.F16;
            case "f32" -> ElementType.F32;
            default -> throw new IllegalArgumentException("scales: '" + id + "' is not bf16, f16 or f32");
        };
    }

    private static int integer(Map<String, String> params, String key, int fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not an integer");
        }
    }
}
