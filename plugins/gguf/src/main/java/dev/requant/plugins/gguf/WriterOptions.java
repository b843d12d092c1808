package dev.requant.plugins.gguf;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GGUF writer's options.
 *
 * @param splitMaxBytes   most tensor-data bytes per shard (padding included, headers not), 0 for no limit
 * @param splitMaxTensors most tensors per shard, 0 for no limit
 * @param alignment       data alignment, a power of two
 */
record WriterOptions(long splitMaxBytes, int splitMaxTensors, int alignment) {
    static final String SPLIT_MAX_SIZE = "split_max_size";
    static final String SPLIT_MAX_TENSORS = "split_max_tensors";
    static final String ALIGNMENT = "alignment";
    static final Set<String> KEYS = Set.of(SPLIT_MAX_SIZE, SPLIT_MAX_TENSORS, ALIGNMENT);

    /** Above this newer ggml refuses a file (its {@code GGUF_MAX_ALIGNMENT}). */
    static final int MAX_ALIGNMENT = 1 << 20;
    /** The spec asks for a multiple of 8; ggml itself only asks for a power of two. */
    static final int MIN_ALIGNMENT = 8;

    /** Decimal units, as gguf-split reads {@code --split-max-size} (M = 1000^2, G = 1000^3). */
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)B?", Pattern.CASE_INSENSITIVE);

    boolean split() {
        return splitMaxBytes > 0 || splitMaxTensors > 0;
    }

    /** @throws IllegalArgumentException naming the option that is unknown or malformed */
    static WriterOptions parse(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("gguf writer: unknown option '" + key + "' (known: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        long maxBytes = options.containsKey(SPLIT_MAX_SIZE) ? size(options.get(SPLIT_MAX_SIZE)) : 0;
        int maxTensors = options.containsKey(SPLIT_MAX_TENSORS)
                ? positiveInt(SPLIT_MAX_TENSORS, options.get(SPLIT_MAX_TENSORS)) : 0;
        int alignment = options.containsKey(ALIGNMENT)
                ? alignment(options.get(ALIGNMENT)) : GgufParser.DEFAULT_ALIGNMENT;
        return new WriterOptions(maxBytes, maxTensors, alignment);
    }

    private static long size(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(SPLIT_MAX_SIZE + ": '" + text
                    + "' is not a size such as 500M or 2G (decimal units K, M, G, T)");
        }
        int power = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 1;
            case "M" -> 2;
            case "G" -> 3;
            case "T" -> 4;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.TEN.pow(3 * power));
        if (bytes.compareTo(BigDecimal.ONE) < 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(SPLIT_MAX_SIZE + ": '" + text + "' is out of range");
        }
        return bytes.longValue();
    }

    private static int positiveInt(String key, String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + ": '" + text + "' is not a positive integer");
    }

    private static int alignment(String text) {
        int a = positiveInt(ALIGNMENT, text);
        if (Integer.bitCount(a) != 1 || a < MIN_ALIGNMENT || a > MAX_ALIGNMENT) {
            throw new IllegalArgumentException(ALIGNMENT + ": " + a + " is not a power of two from " + MIN_ALIGNMENT
                    + " to " + MAX_ALIGNMENT);
        }
        return a;
    }
}
