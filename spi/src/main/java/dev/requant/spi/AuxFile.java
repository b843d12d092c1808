package dev.requant.spi;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file that travels beside the weights (config.json, tokenizer files, generation_config.json),
 * either still on disk or replaced by new content. Writers that produce a directory write every
 * aux file into it.
 */
public final class AuxFile {
    private final String name;
    private final Path source;
    private final byte[] content;

    private AuxFile(String name, Path source, byte[] content) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("'" + name + "' is not a plain file name");
        }
        this.name = name;
        this.source = source;
        this.content = content;
    }

    /** A file read from disk when it is written. */
    public static AuxFile of(Path source) {
        return new AuxFile(source.getFileName().toString(), Objects.requireNonNull(source), null);
    }

    /** A file with new content. */
    public static AuxFile of(String name, byte[] content) {
        return new AuxFile(name, null, content.clone());
    }

    public String name() {
        return name;
    }

    public InputStream open() throws IOException {
        return source != null ? Files.newInputStream(source) : new ByteArrayInputStream(content);
    }

    public byte[] bytes() throws IOException {
        try (InputStream in = open()) {
            return in.readAllBytes();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
