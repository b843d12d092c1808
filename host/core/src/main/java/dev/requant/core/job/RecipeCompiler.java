package dev.requant.core.job;

import dev.requant.core.exec.FailCondition;
import dev.requant.core.exec.Metric;
import dev.requant.core.plan.Condition;
import dev.requant.core.plan.NameMatcher;
import dev.requant.core.plan.Quantization;
import dev.requant.core.plan.Rule;
import dev.requant.core.plan.Target;
import dev.requant.core.recipe.InputSpec;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.OutputSpec;
import dev.requant.core.recipe.PresetSpec;
import dev.requant.core.recipe.QuantizeSpec;
import dev.requant.core.recipe.Recipe;
import dev.requant.core.recipe.RecipeException;
import dev.requant.core.recipe.RecipeLoader;
import dev.requant.core.recipe.RuleSpec;
import dev.requant.core.recipe.VerifySpec;
import dev.requant.core.plugin.Registry;
import dev.requant.core.types.Codecs;
import dev.requant.spi.FormatReader;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.TensorTransform;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a recipe against the plugins and presets: every reader, writer, transform and scheme id,
 * every type, pattern, option and condition. Each error points at the value that caused it.
 */
public final class RecipeCompiler {
    private static final String KEEP = "keep";

    private final Registry registry;
    private final Codecs codecs;
    private final Path presets;
    private final RecipeLoader loader;

    public RecipeCompiler(Registry registry, Path presets, RecipeLoader loader) {
        this.registry = registry;
        this.codecs = new Codecs(registry);
        this.presets = presets;
        this.loader = loader;
    }

    /** @param origin where the recipe came from, for errors about missing sections */
    public Job compile(Recipe recipe, Location origin) {
        if (recipe.input() == null) {
            throw new RecipeException(origin, "the recipe has no 'input'");
        }
        InputRef input = input(recipe.input());
        List<TensorTransform> transforms = new ArrayList<>();
        for (Located<String> id : orEmpty(recipe.transforms())) {
            transforms.add(registry.transform(id.value()).orElseThrow(() -> id.error(
                    "no plugin provides the transform '" + id.value() + "'" + known(registry.transforms(), TensorTransform::id))));
        }
        if (recipe.outputs() == null || recipe.outputs().value().isEmpty()) {
            throw new RecipeException(recipe.outputs() == null ? origin : recipe.outputs().at(),
                    "the recipe has no 'outputs'");
        }
        Optional<Quantization> shared = Optional.ofNullable(recipe.quantize()).map(this::quantization);
        List<OutputJob> outputs = new ArrayList<>();
        Set<Path> paths = new HashSet<>();
        for (Located<OutputSpec> o : recipe.outputs().value()) {
            OutputJob job = output(o, shared);
            if (!paths.add(job.path())) {
                throw o.error("two outputs write " + job.path());
            }
            if (input instanceof InputRef.File f && f.path().toAbsolutePath().normalize().equals(job.path())) {
                throw o.error("the output would overwrite the input " + f.path());
            }
            outputs.add(job);
        }
        Path firstOutput = outputs.getFirst().path();
        Optional<VerifySettings> verify = Optional.ofNullable(recipe.verify()).map(Located::value)
                .map(v -> verify(v, firstOutput));
        return new Job(input, List.copyOf(transforms), recipe.transforms() == null, List.copyOf(outputs), verify);
    }

    private InputRef input(Located<InputSpec> located) {
        InputSpec in = located.value();
        if ((in.path() == null) == (in.sample() == null)) {
            throw located.error("the input needs exactly one of 'path' or 'sample'");
        }
        if (in.sample() != null) {
            if (in.format() != null) {
                throw in.format().error("a sample input has no format");
            }
            return new InputRef.Sample(in.sample().value());
        }
        Optional<FormatReader> reader = Optional.empty();
        if (in.format() != null && !in.format().value().equals("auto")) {
            Located<String> id = in.format();
            reader = Optional.of(registry.reader(id.value()).orElseThrow(() -> id.error(
                    "no plugin provides the reader '" + id.value() + "'" + known(registry.readers(), FormatReader::id))));
        }
        return new InputRef.File(Path.of(in.path().value()), reader, in.path().at());
    }

    private OutputJob output(Located<OutputSpec> located, Optional<Quantization> shared) {
        OutputSpec o = located.value();
        if (o.path() == null) {
            throw located.error("the output has no 'path'");
        }
        Path path = Path.of(o.path().value()).toAbsolutePath().normalize();
        FormatWriter writer;
        if (o.format() != null) {
            Located<String> id = o.format();
            writer = registry.writer(id.value()).orElseThrow(() -> id.error(
                    "no plugin provides the writer '" + id.value() + "'" + known(registry.writers(), FormatWriter::id)));
        } else {
            writer = registry.writers().stream().filter(w -> w.accepts(path)).findFirst().orElseThrow(() ->
                    o.path().error("cannot tell the format of '" + o.path().value() + "' from its name; set 'format'"
                            + known(registry.writers(), FormatWriter::id)));
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (var e : orEmpty(o.options()).entrySet()) {
            if (!writer.options().contains(e.getKey())) {
                throw e.getValue().error("the " + writer.id() + " writer has no option '" + e.getKey() + "'"
                        + (writer.options().isEmpty() ? " (it takes none)"
                        : " (options: " + String.join(", ", writer.options().stream().sorted().toList()) + ")"));
            }
            options.put(e.getKey(), e.getValue().value());
        }
        Quantization q = o.quantize() != null ? quantization(o.quantize()) : shared.orElse(Quantization.none());
        return new OutputJob(path, writer, Map.copyOf(options), q);
    }

    /** The quantization a section asks for, with its preset's rules after its own. */
    public Quantization quantization(Located<QuantizeSpec> located) {
        QuantizeSpec q = located.value();
        Optional<Target> target = target(located);
        Optional<PresetSpec> preset = Optional.ofNullable(q.preset()).map(this::preset);
        List<Rule> rules = new ArrayList<>(rules(q.rules()));
        preset.ifPresent(p -> rules.addAll(rules(p.rules())));
        Located<String> defaultType = q.defaultType() != null ? q.defaultType()
                : preset.map(PresetSpec::defaultType).orElse(null);
        Optional<TensorType> def = Optional.ofNullable(defaultType).map(this::type);
        Located<List<Located<String>>> fallback = q.fallback() != null ? q.fallback()
                : preset.map(PresetSpec::fallback).orElse(null);
        Optional<List<TensorType>> chain = Optional.ofNullable(fallback)
                .map(f -> f.value().stream().map(this::type).toList());
        Optional<String> label = preset.map(p -> p.name() != null ? p.name().value()
                : q.preset().value().toUpperCase(Locale.ROOT))
                .or(() -> def.map(t -> t.id().toUpperCase(Locale.ROOT)));
        return new Quantization(List.copyOf(rules), def, Optional.ofNullable(defaultType).map(Located::at), target,
                chain, label);
    }

    /** Candidate types of a size target when the recipe names none: the K-quants and q8_0. */
    private static final List<String> TARGET_TYPES = List.of("q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_0");

    private Optional<Target> target(Located<QuantizeSpec> located) {
        QuantizeSpec q = located.value();
        Located<?> given = q.targetBpw() != null ? q.targetBpw() : q.targetSize();
        if (given == null) {
            if (q.types() != null) {
                throw q.types().error("'types' lists the choices of target_bpw or target_size, and there is neither");
            }
            return Optional.empty();
        }
        if (q.targetBpw() != null && q.targetSize() != null) {
            throw q.targetSize().error("give target_bpw or target_size, not both");
        }
        if (q.defaultType() != null || q.preset() != null) {
            throw (q.defaultType() != null ? q.defaultType() : q.preset()).error(
                    "a size target chooses the types itself: drop 'default' and 'preset' (rules still apply first)");
        }
        List<TensorType> types = new ArrayList<>();
        if (q.types() != null) {
            q.types().value().forEach(t -> types.add(type(t)));
        } else {
            for (String id : TARGET_TYPES) {
                try {
                    types.add(codecs.normalize(TensorType.parse(id)));
                } catch (IllegalArgumentException notInstalled) {
                    // a type whose plugin is missing is no choice
                }
            }
        }
        if (types.isEmpty()) {
            throw given.error("no type to choose from: name them in 'types'");
        }
        if (q.targetBpw() != null) {
            double bpw = q.targetBpw().value();
            if (!(bpw > 0)) {
                throw q.targetBpw().error("target_bpw must be a positive number of bits per weight");
            }
            return Optional.of(new Target(OptionalDouble.of(bpw), OptionalLong.empty(), types, q.targetBpw().at()));
        }
        try {
            return Optional.of(new Target(OptionalDouble.empty(), OptionalLong.of(Sizes.parse(q.targetSize().value())),
                    types, q.targetSize().at()));
        } catch (IllegalArgumentException e) {
            throw q.targetSize().error(e.getMessage());
        }
    }

    /** A type written in a recipe, complete with its scheme's defaults. */
    public TensorType type(Located<String> text) {
        try {
            return codecs.normalize(TensorType.parse(text.value()));
        } catch (IllegalArgumentException e) {
            throw text.error(e.getMessage());
        }
    }

    private List<Rule> rules(List<Located<RuleSpec>> specs) {
        List<Rule> rules = new ArrayList<>();
        for (Located<RuleSpec> r : orEmpty(specs)) {
            RuleSpec spec = r.value();
            if (spec.match() == null || spec.type() == null) {
                throw r.error("a rule needs 'match' and 'type'");
            }
            NameMatcher matcher;
            try {
                matcher = NameMatcher.of(spec.match().value());
            } catch (IllegalArgumentException e) {
                throw spec.match().error(e.getMessage());
            }
            Optional<Condition> when = Optional.empty();
            if (spec.when() != null) {
                try {
                    when = Optional.of(Condition.parse(spec.when().value()));
                } catch (IllegalArgumentException e) {
                    throw spec.when().error(e.getMessage());
                }
            }
            Optional<TensorType> type = spec.type().value().equalsIgnoreCase(KEEP) ? Optional.empty()
                    : Optional.of(type(spec.type()));
            rules.add(new Rule(matcher, when, type, r.at()));
        }
        return rules;
    }

    private PresetSpec preset(Located<String> name) {
        String file = name.value().toLowerCase(Locale.ROOT) + ".yaml";
        Path path = presets.resolve(file);
        if (!name.value().matches("[A-Za-z0-9_.-]+") || !Files.isRegularFile(path)) {
            throw name.error("no preset '" + name.value() + "' in " + presets + available());
        }
        return loader.loadPreset(path);
    }

    private String available() {
        try (Stream<Path> s = Files.list(presets)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            return names.isEmpty() ? "" : " (presets: " + String.join(", ", names) + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private VerifySettings verify(VerifySpec v, Path firstOutput) {
        List<Metric> metrics = new ArrayList<>();
        for (Located<String> m : orEmpty(v.metrics())) {
            metrics.add(Metric.byId(m.value()).orElseThrow(() -> m.error("unknown metric '" + m.value()
                    + "' (rmse, rel_rmse, max_abs, cosine)")));
        }
        Optional<FailCondition> failIf = Optional.empty();
        if (v.failIf() != null) {
            try {
                failIf = Optional.of(FailCondition.parse(v.failIf().value()));
            } catch (IllegalArgumentException e) {
                throw v.failIf().error(e.getMessage());
            }
        }
        Path report = v.report() != null ? Path.of(v.report().value()).toAbsolutePath().normalize()
                : firstOutput.resolveSibling("report.json");
        return new VerifySettings(metrics.isEmpty() ? List.of(Metric.values()) : List.copyOf(metrics), failIf, report);
    }

    private static <T> String known(List<T> items, Function<T, String> id) {
        return items.isEmpty() ? " (none is installed)"
                : items.stream().map(id).sorted().collect(Collectors.joining(", ", " (available: ", ")"));
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
