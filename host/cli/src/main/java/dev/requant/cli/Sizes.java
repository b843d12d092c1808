package dev.requant.cli;

import java.util.Locale;

/** Human-readable sizes and rates for reports. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    static String bytes(long n) {
        double v = n;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
    }

    /** Bits per weight: stored bits over the number of values. */
    static String bpw(long bytes, long values) {
        return values == 0 ? "-" : String.format(Locale.ROOT, "%.2f", bytes * 8.0 / values);
    }
}
