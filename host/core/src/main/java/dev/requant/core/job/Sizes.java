package dev.requant.core.job;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes written in recipes: {@code 4.2GB} (decimal), {@code 3500MiB} (binary), or bytes. */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]i?B|B)?");

    private Sizes() {
    }

    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT).replace("IB", "iB"));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 4.2GB, 3500MiB or 1000000");
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        double factor = switch (unit) {
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "TB" -> 1e12;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            default -> 1;
        };
        double bytes = Double.parseDouble(m.group(1)) * factor;
        if (bytes < 1 || bytes > Long.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is not a usable size");
        }
        return (long) bytes;
    }
}
