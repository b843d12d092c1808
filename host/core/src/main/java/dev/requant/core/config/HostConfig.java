package dev.requant.core.config;

import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.RecipeException;
import dev.requant.core.recipe.RecipeLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The host's settings: plugin folders (besides the distribution's {@code plugins/} and
 * {@code --plugins}), worker threads (0 = all cores), values per work chunk, the default fallback
 * chain, and the presets folder.
 */
public record HostConfig(List<Path> pluginDirs, int threads, long chunkValues, List<Located<String>> fallback,
                         Path presets) {

    static final long DEFAULT_CHUNK_VALUES = 1 << 20;
    /** As llama.cpp: after a type's own fallback, q8_0, then f16. */
    static final List<Located<String>> DEFAULT_FALLBACK = List.of(
            new Located<>("q8_0", Location.commandLine("default fallback")),
            new Located<>("f16", Location.commandLine("default fallback")));

    /** Settings when there is no config file. */
    public static HostConfig defaults(Path presets) {
        return new HostConfig(List.of(), 0, DEFAULT_CHUNK_VALUES, DEFAULT_FALLBACK, presets);
    }

    /** Reads a config file; relative folders are relative to the file's folder. */
    public static HostConfig load(Path file, RecipeLoader loader) {
        ConfigSpec spec = loader.read(file, ConfigSpec.class, Map.of());
        Path dir = file.toAbsolutePath().getParent();
        List<Path> plugins = new ArrayList<>();
        for (Located<String> p : spec.plugins() == null ? List.<Located<String>>of() : spec.plugins()) {
            plugins.add(dir.resolve(p.value()).normalize());
        }
        int threads = spec.threads() == null ? 0 : spec.threads();
        if (threads < 0) {
            throw new RecipeException(new Location(file.toString(), 0, 0),
                    "threads must be 0 (all cores) or more");
        }
        long chunk = spec.chunkValues() == null ? DEFAULT_CHUNK_VALUES : spec.chunkValues();
        if (chunk < 256) {
            throw new RecipeException(new Location(file.toString(), 0, 0),
                    "chunk_values must be at least 256");
        }
        return new HostConfig(List.copyOf(plugins), threads, chunk,
                spec.fallback() == null ? DEFAULT_FALLBACK : List.copyOf(spec.fallback()), dir.resolve("presets"));
    }

    /** The config in {@code home/config/requant.yaml}, or the defaults when it does not exist. */
    public static HostConfig ofHome(Path home, RecipeLoader loader) {
        Path file = home.resolve("config").resolve("requant.yaml");
        return Files.isRegularFile(file) ? load(file, loader) : defaults(home.resolve("config").resolve("presets"));
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
