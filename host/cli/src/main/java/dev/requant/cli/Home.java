package dev.requant.cli;

import java.nio.file.Path;

/**
 * The distribution folder: {@code bin/}, {@code lib/}, {@code plugins/}, {@code config/}. The
 * launcher passes it as {@code -Drequant.home}; without it (tests, IDE) the working directory.
 */
final class Home {
    private Home() {
    }

    static Path get() {
        return Path.of(System.getProperty("requant.home", ".")).toAbsolutePath().normalize();
    }
}
