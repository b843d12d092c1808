package dev.requant.core;

import java.util.Locale;

/** Time since a {@link System#nanoTime()} reading, as log lines give it: {@code 0.4 ms}, {@code 85 ms}, {@code 12.42 s}. */
public final class Elapsed {
    private Elapsed() {
    }

    public static String since(long startNanos) {
        long nanos = System.nanoTime() - startNanos;
        if (nanos < 10_000_000L) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return nanos < 10_000_000_000L ? nanos / 1_000_000 + " ms" : String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
