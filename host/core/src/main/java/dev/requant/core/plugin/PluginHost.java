package dev.requant.core.plugin;

import dev.requant.core.Elapsed;
import dev.requant.spi.FormatReader;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Spi;
import dev.requant.spi.TensorTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginLoader;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugin jars of some folders with PF4J and registers their extensions. Each jar is
 * loaded on its own: one that is broken, built for another spi, bundling the spi classes or
 * providing an id already taken is skipped and reported, and the others keep working. Plugins
 * see the spi and the kernels API, not the kernels' implementations ({@link KernelsFence}).
 */
public final class PluginHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

    private final DefaultPluginManager manager;
    private final Registry registry = new Registry();
    private final List<PluginProblem> problems = new ArrayList<>();

    private PluginHost(List<Path> folders) {
        manager = new DefaultPluginManager(folders) {
            @Override
            protected PluginLoader createPluginLoader() {
                return new KernelsFence(this);
            }
        };
        manager.setSystemVersion(Spi.VERSION);
    }

    /** Loads every {@code *.jar} of the folders, in folder order, then name order. */
    public static PluginHost load(List<Path> folders) {
        long started = System.nanoTime();
        Set<Path> distinct = new LinkedHashSet<>(folders.stream().map(p -> p.toAbsolutePath().normalize()).toList());
        List<Path> existing = distinct.stream().filter(Files::isDirectory).toList();
        distinct.stream().filter(p -> !existing.contains(p)).forEach(p -> LOG.debug("plugin folder {}: not a folder", p));
        PluginHost host = new PluginHost(existing);
        for (Path folder : existing) {
            List<Path> jars = jars(folder);
            LOG.debug("plugin folder {}: {} jar(s)", folder, jars.size());
            for (Path jar : jars) {
                host.loadJar(jar);
            }
        }
        LOG.debug("plugins: {} loaded, {} skipped, in {}", host.registry.plugins().size(), host.problems.size(),
                Elapsed.since(started));
        return host;
    }

    public Registry registry() {
        return registry;
    }

    public List<PluginProblem> problems() {
        return List.copyOf(problems);
    }

    private static List<Path> jars(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            LOG.warn("plugin folder {} cannot be listed: {}", folder, e.getMessage());
            return List.of();
        }
    }

    private void loadJar(Path jar) {
        String pluginId;
        try {
            pluginId = manager.loadPlugin(jar);
        } catch (RuntimeException e) {
            LOG.debug("{} cannot be loaded", jar, e);
            skip(jar, "cannot be loaded: " + rootMessage(e));
            return;
        }
        PluginWrapper plugin = manager.getPlugin(pluginId);
        String problem = check(plugin);
        if (problem == null) {
            problem = register(plugin);
        }
        if (problem != null) {
            skip(jar, problem);
            manager.unloadPlugin(pluginId);
        }
    }

    private void skip(Path jar, String problem) {
        PluginProblem p = new PluginProblem(jar, problem);
        problems.add(p);
        LOG.warn("{}", p);
    }

    /** Why a loaded plugin cannot be used, or null. */
    private String check(PluginWrapper plugin) {
        String requires = plugin.getDescriptor().getRequires();
        if (plugin.getPluginState() == PluginState.DISABLED) {
            return "plugin " + plugin.getPluginId() + " requires spi " + requires + " but this host has spi " + Spi.VERSION;
        }
        for (Class<?> point : Registry.POINTS) {
            try {
                if (plugin.getPluginClassLoader().loadClass(point.getName()) != point) {
                    return "plugin " + plugin.getPluginId() + " bundles its own copy of the requant spi ("
                            + point.getSimpleName() + "); depend on requant-spi in provided scope";
                }
            } catch (ClassNotFoundException e) {
                return "plugin " + plugin.getPluginId() + " cannot see the requant spi: " + e.getMessage();
            }
        }
        return null;
    }

    /** Starts the plugin and registers its extensions; the reason when it cannot, or null. */
    private String register(PluginWrapper plugin) {
        String id = plugin.getPluginId();
        List<Object> extensions = new ArrayList<>();
        try {
            manager.startPlugin(id);
            for (Class<?> point : Registry.POINTS) {
                extensions.addAll(manager.getExtensions(point, id));
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("plugin {} failed to start", id, e);
            return "plugin " + id + " failed to start: " + rootMessage(e);
        }
        if (extensions.isEmpty()) {
            return "plugin " + id + " provides no requant extension (readers, writers, schemes or transforms)";
        }
        List<String> conflicts = extensions.stream().map(registry::conflict).flatMap(Optional::stream).toList();
        if (!conflicts.isEmpty()) {
            return "plugin " + id + ": " + String.join("; ", conflicts);
        }
        Set<String> own = new HashSet<>();
        for (Object e : extensions) {
            if (!own.add(Registry.kindOf(e) + " " + Registry.idOf(e))) {
                return "plugin " + id + " provides " + Registry.kindOf(e) + " '" + Registry.idOf(e) + "' twice";
            }
        }
        extensions.forEach(e -> registry.add(e, id));
        PluginInfo info = new PluginInfo(id, plugin.getDescriptor().getVersion(),
                plugin.getDescriptor().getPluginDescription(), plugin.getPluginPath(),
                ids(extensions, FormatReader.class), ids(extensions, FormatWriter.class),
                ids(extensions, QuantScheme.class), ids(extensions, TensorTransform.class));
        registry.addPlugin(info);
        LOG.debug("plugin {} {} loaded from {}: {}", id, info.version(), info.path(), provides(info));
        warnIfOwnSlf4j(plugin);
        return null;
    }

    /**
     * A plugin that bundles slf4j-api gets a copy that finds no logging provider in its class
     * loader: its log lines are lost, and slf4j complains on stderr. It still works otherwise.
     */
    private static void warnIfOwnSlf4j(PluginWrapper plugin) {
        try {
            if (plugin.getPluginClassLoader().loadClass(Logger.class.getName()) != Logger.class) {
                LOG.warn("plugin {} ({}) bundles its own copy of slf4j-api: its log lines are lost; depend on"
                        + " slf4j-api in provided scope", plugin.getPluginId(), plugin.getPluginPath());
            }
        } catch (ClassNotFoundException e) {
            // cannot be: a class the plugin lacks comes from the host, which has slf4j-api
        }
    }

    /** {@code readers gguf; writers gguf}: the kinds it provides, by id. */
    private static String provides(PluginInfo info) {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        byKind.put("readers", info.readers());
        byKind.put("writers", info.writers());
        byKind.put("schemes", info.schemes());
        byKind.put("transforms", info.transforms());
        return byKind.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .map(e -> e.getKey() + " " + String.join(", ", e.getValue())).collect(Collectors.joining("; "));
    }

    private static List<String> ids(List<Object> extensions, Class<?> point) {
        return extensions.stream().filter(point::isInstance).map(Registry::idOf).sorted().toList();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Unloads every plugin ({@code stopPlugins()} of PF4J 3.15.0 throws ConcurrentModificationException). */
    @Override
    public void close() {
        manager.unloadPlugins();
    }
}
