package dev.requant.core.plugin;

import java.nio.file.Path;

/** A plugin jar that was skipped, and why: reported on stderr, never fatal. */
public record PluginProblem(Path path, String problem) {
    @Override
    public String toString() {
        return "plugin " + path + " skipped: " + problem;
    }
}
