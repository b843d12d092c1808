package dev.requant.core.plugin;

import java.nio.file.Path;
import java.util.List;

/** A loaded plugin and the ids of what it provides, for {@code requant plugins}. */
public record PluginInfo(String id, String version, String description, Path path,
                         List<String> readers, List<String> writers, List<String> schemes, List<String> transforms) {
}
