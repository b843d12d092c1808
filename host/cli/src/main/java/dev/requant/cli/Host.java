package dev.requant.cli;

import dev.requant.core.Session;
import dev.requant.core.config.HostConfig;
import dev.requant.core.plugin.PluginHost;
import dev.requant.core.plugin.PluginProblem;
import dev.requant.core.recipe.RecipeLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The loaded plugins and the session of one command; plugin problems are reported on stderr. */
final class Host implements AutoCloseable {
    private final PluginHost plugins;
    private final HostConfig config;
    private final Session session;

    private Host(PluginHost plugins, HostConfig config) {
        this.plugins = plugins;
        this.config = config;
        this.session = new Session(plugins.registry(), config);
    }

    static Host start(GlobalOptions options, PrintStream err) {
        Path home = Home.get();
        RecipeLoader loader = new RecipeLoader();
        HostConfig config = options.config != null ? HostConfig.load(options.config, loader) : HostConfig.ofHome(home, loader);
        List<Path> folders = new ArrayList<>();
        folders.add(home.resolve("plugins"));
        folders.addAll(config.pluginDirs());
        folders.addAll(options.pluginDirs);
        PluginHost plugins = PluginHost.load(folders);
        for (PluginProblem p : plugins.problems()) {
            err.println("requant: " + p);
        }
        return new Host(plugins, config);
    }

    Session session() {
        return session;
    }

    HostConfig config() {
        return config;
    }

    @Override
    public void close() {
        plugins.close();
    }
}
