package dev.requant.plugins.gguf;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file names of split GGUF files as llama.cpp's {@code llama_split_path} makes them:
 * {@code PREFIX-00001-of-00003.gguf}, numbered from 1.
 *
 * @param prefix the path without the {@code -NNNNN-of-NNNNN.gguf} ending
 * @param number the shard number, from 1
 * @param count  the number of shards
 */
record ShardName(Path prefix, int number, int count) {
    private static final Pattern SHARD = Pattern.compile("(.+)-(\\d{5,})-of-(\\d{5,})\\.gguf");

    /** The shard name of {@code path}, if it has one. */
    static Optional<ShardName> parse(Path path) {
        Matcher m = SHARD.matcher(path.getFileName().toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ShardName(path.resolveSibling(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Shard {@code number} (from 1) of {@code count} beside {@code prefix}. */
    static Path path(Path prefix, int number, int count) {
        return prefix.resolveSibling(String.format("%s-%05d-of-%05d.gguf", prefix.getFileName(), number, count));
    }
}
