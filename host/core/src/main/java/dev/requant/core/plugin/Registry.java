package dev.requant.core.plugin;

import dev.requant.spi.FormatReader;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.TensorTransform;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The extensions available to a run, by extension point and id. Read-only once built. */
public final class Registry {
    /** The four extension points, in the order {@code requant plugins} lists them. */
    static final List<Class<?>> POINTS =
            List.of(FormatReader.class, FormatWriter.class, QuantScheme.class, TensorTransform.class);

    private final Map<Class<?>, Map<String, Registered<?>>> byPoint = new LinkedHashMap<>();
    private final List<PluginInfo> plugins = new ArrayList<>();

    Registry() {
        POINTS.forEach(p -> byPoint.put(p, new LinkedHashMap<>()));
    }

    /** A registry of the given extension instances, for tests and embedding without plugin jars. */
    public static Registry of(List<?> extensions) {
        Registry r = new Registry();
        extensions.forEach(e -> r.add(e, "(built-in)"));
        return r;
    }

    void add(Object extension, String pluginId) {
        byPoint.get(pointOf(extension)).put(idOf(extension), new Registered<>(idOf(extension), extension, pluginId));
    }

    void addPlugin(PluginInfo info) {
        plugins.add(info);
    }

    /** Why this extension cannot be registered because its id is taken, if it is. */
    Optional<String> conflict(Object extension) {
        Registered<?> taken = byPoint.get(pointOf(extension)).get(idOf(extension));
        return Optional.ofNullable(taken).map(t -> kindOf(extension) + " '" + t.id()
                + "' is already provided by plugin " + t.pluginId());
    }

    static Class<?> pointOf(Object extension) {
        return POINTS.stream().filter(p -> p.isInstance(extension)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(extension.getClass() + " is not a requant extension"));
    }

    static String idOf(Object extension) {
        return switch (extension) {
            case FormatReader r -> r.id();
            case FormatWriter w -> w.id();
            case QuantScheme s -> s.id();
            case TensorTransform t -> t.id();
            default -> throw new IllegalArgumentException(extension.getClass() + " is not a requant extension");
        };
    }

    static String kindOf(Object extension) {
        return switch (pointOf(extension).getSimpleName()) {
            case "FormatReader" -> "reader";
            case "FormatWriter" -> "writer";
            case "QuantScheme" -> "scheme";
            default -> "transform";
        };
    }

    private <T> Optional<T> find(Class<T> point, String id) {
        return Optional.ofNullable(byPoint.get(point).get(id)).map(r -> point.cast(r.extension()));
    }

    private <T> List<T> all(Class<T> point) {
        return byPoint.get(point).values().stream().map(r -> point.cast(r.extension())).toList();
    }

    public Optional<FormatReader> reader(String id) {
        return find(FormatReader.class, id);
    }

    public Optional<FormatWriter> writer(String id) {
        return find(FormatWriter.class, id);
    }

    public Optional<QuantScheme> scheme(String id) {
        return find(QuantScheme.class, id);
    }

    public Optional<TensorTransform> transform(String id) {
        return find(TensorTransform.class, id);
    }

    public List<FormatReader> readers() {
        return all(FormatReader.class);
    }

    public List<FormatWriter> writers() {
        return all(FormatWriter.class);
    }

    public List<QuantScheme> schemes() {
        return all(QuantScheme.class);
    }

    public List<TensorTransform> transforms() {
        return all(TensorTransform.class);
    }

    /** The loaded plugins, in load order. */
    public List<PluginInfo> plugins() {
        return Collections.unmodifiableList(plugins);
    }
}
