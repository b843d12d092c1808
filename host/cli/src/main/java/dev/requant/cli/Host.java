package dev.requant.cli;

import dev.requant.core.Session;
import dev.requant.core.config.HostConfig;
import dev.requant.core.plugin.PluginHost;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.RecipeLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The loaded plugins and the session of one command; plugin problems are logged as warnings. */
final class Host implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Host.class);

    private final PluginHost plugins;
    private final HostConfig config;
    private final Session session;

    private Host(PluginHost plugins, HostConfig config) {
        this.plugins = plugins;
        this.config = config;
        this.session = new Session(plugins.registry(), config);
    }

    static Host start(GlobalOptions options) {
        Path home = Home.get();
        RecipeLoader loader = new RecipeLoader();
        HostConfig config = options.config != null ? HostConfig.load(options.config, loader) : HostConfig.ofHome(home, loader);
        Path file = options.config != null ? options.config : home.resolve("config").resolve("requant.yaml");
        LOG.debug("home {}; config {}{}: {} threads, {} values per chunk, fallback {}", home, file,
                Files.isRegularFile(file) ? "" : " (no such file: defaults)", config.effectiveThreads(),
                config.chunkValues(), config.fallback().stream().map(Located::value).toList());
        List<Path> folders = new ArrayList<>();
        folders.add(home.resolve("plugins"));
        folders.addAll(config.pluginDirs());
        folders.addAll(options.pluginDirs);
        return new Host(PluginHost.load(folders), config);
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
