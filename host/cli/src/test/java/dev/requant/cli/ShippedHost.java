package dev.requant.cli;

import dev.requant.core.config.HostConfig;
import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.core.recipe.RecipeLoader;
import java.util.List;

/**
 * The distribution's plugins, loaded once for every test class of the JVM that asks for them,
 * and a session on them with the shipped configuration. They stay loaded until the JVM exits.
 */
final class ShippedHost {
    static final PluginHost PLUGINS = PluginHost.load(List.of(Cli.PLUGINS));
    static final Session SESSION = new Session(PLUGINS.registry(), HostConfig.load(Cli.CONFIG, new RecipeLoader()));

    private ShippedHost() {
    }
}
