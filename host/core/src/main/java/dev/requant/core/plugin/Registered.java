package dev.requant.core.plugin;

/** An extension and the plugin that provides it. */
public record Registered<T>(String id, T extension, String pluginId) {
}
