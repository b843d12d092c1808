package dev.requant.plugins.safetensors;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code max_shard_size} option: a byte count with an optional unit. KB, MB, GB and TB are
 * decimal, as huggingface_hub reads them ({@code "5GB"} = 5,000,000,000); KiB, MiB, GiB and TiB
 * are binary ({@code "2GiB"} = 2 x 2^30). Units ignore case; a fraction is allowed
 * ({@code "1.5GB"}) and the result is rounded down to whole bytes.
 */
final class ShardSize {
    static final String OPTION = "max_shard_size";

    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b|b)?\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Map<String, Long> UNITS = Map.of(
            "b", 1L,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);

    private ShardSize() {
    }

    /**
     * @throws IllegalArgumentException naming the option when the text is not a positive size
     */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(OPTION + ": '" + text + "' is not a size such as 5GB, 500MB or 2GiB");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(UNITS.get(unit)))
                .setScale(0, RoundingMode.FLOOR);
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(OPTION + ": '" + text + "' must be at least 1 byte and below 2^63");
        }
        return bytes.longValueExact();
    }
}
