package dev.requant.core;

import dev.requant.core.config.HostConfig;
import dev.requant.core.exec.Executor;
import dev.requant.core.exec.ProgressListener;
import dev.requant.core.exec.RunResult;
import dev.requant.core.job.InputRef;
import dev.requant.core.job.Job;
import dev.requant.core.job.OutputJob;
import dev.requant.core.job.RecipeCompiler;
import dev.requant.core.plan.AppliedTransform;
import dev.requant.core.plan.Plan;
import dev.requant.core.plan.PlannedOutput;
import dev.requant.core.plan.Planner;
import dev.requant.core.plugin.Registry;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.Recipe;
import dev.requant.core.recipe.RecipeException;
import dev.requant.core.recipe.RecipeLoader;
import dev.requant.core.sample.SampleModel;
import dev.requant.core.types.Codecs;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.TensorTransform;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's work for one command: recipe to checked job, job to opened model and plan, plan to
 * committed outputs. Every failure before execution leaves the disk untouched.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final Registry registry;
    private final HostConfig config;
    private final RecipeLoader loader = new RecipeLoader();
    private final Codecs codecs;
    private final RecipeCompiler compiler;

    public Session(Registry registry, HostConfig config) {
        this.registry = registry;
        this.config = config;
        this.codecs = new Codecs(registry);
        this.compiler = new RecipeCompiler(registry, config.presets(), loader);
    }

    public Registry registry() {
        return registry;
    }

    public Codecs codecs() {
        return codecs;
    }

    /** Reads and checks a recipe file. */
    public Job compile(Path recipeFile, Map<String, String> variables) {
        return compile(loader.load(recipeFile, variables), new Location(recipeFile.toString(), 1, 1));
    }

    public Job compile(Recipe recipe, Location origin) {
        return compiler.compile(recipe, origin);
    }

    /**
     * Opens the job's input and applies its transforms: the recipe's, or, when the recipe names
     * none, the one transform that {@link TensorTransform#appliesTo applies by itself} to this input
     * for every output. The caller closes the result.
     */
    public OpenedInput open(Job job) throws IOException {
        long started = System.nanoTime();
        ModelSource source = open(job.input());
        try {
            List<AppliedTransform> applied = new ArrayList<>();
            for (TensorTransform t : job.transforms()) {
                applied.add(new AppliedTransform(t, false));
            }
            if (job.automaticTransforms()) {
                automatic(source, job).ifPresent(t -> applied.add(new AppliedTransform(t, true)));
            }
            for (AppliedTransform a : applied) {
                long at = System.nanoTime();
                int before = source.tensors().size();
                source = a.transform().apply(source, codecs::decode);
                LOG.debug("transform {} ({}): {} tensors in, {} out, in {}", a.transform().id(),
                        a.automatic() ? "applies by itself" : "named by the recipe", before, source.tensors().size(),
                        Elapsed.since(at));
            }
            LOG.debug("phase open: {} tensors from {}, in {}", source.tensors().size(), source.format(),
                    Elapsed.since(started));
            return new OpenedInput(source, applied);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** The transform that applies by itself to this source for every output of the job, if one does. */
    private Optional<TensorTransform> automatic(ModelSource source, Job job) {
        List<TensorTransform> found = new ArrayList<>();
        for (TensorTransform t : registry.transforms()) {
            if (job.outputs().stream().allMatch(o -> appliesTo(t, source, o.writer()))) {
                found.add(t);
            }
        }
        LOG.debug("transforms that apply by themselves to this {} input for writer(s) {}: {}", source.format(),
                job.outputs().stream().map(o -> o.writer().id()).distinct().toList(),
                found.isEmpty() ? "none" : found.stream().map(TensorTransform::id).toList());
        if (found.size() > 1) {
            throw new RequantException(RequantException.USAGE, "the transforms " + found.get(0).id() + " and "
                    + found.get(1).id() + " both apply to this input; name the one to use in the recipe's"
                    + " 'transforms' (an empty list applies none)");
        }
        return found.stream().findFirst();
    }

    private static boolean appliesTo(TensorTransform t, ModelSource source, FormatWriter writer) {
        try {
            return t.appliesTo(source, writer);
        } catch (RuntimeException e) {
            LOG.debug("transform {} failed to say whether it applies to this {} input for writer {}, so it does not: {}",
                    t.id(), source.format(), writer.id(), e.toString(), e);
            return false;
        }
    }

    /** Opens a path with the named reader, or with the reader that recognises it best. */
    public ModelSource open(Path path, String readerId) throws IOException {
        Optional<FormatReader> reader = Optional.empty();
        if (readerId != null) {
            reader = Optional.of(registry.reader(readerId).orElseThrow(() -> new RequantException(
                    RequantException.USAGE, "no plugin provides the reader '" + readerId + "'")));
        }
        return open(new InputRef.File(path, reader, Location.commandLine(path.toString())));
    }

    private ModelSource open(InputRef input) throws IOException {
        return switch (input) {
            case InputRef.Sample s -> {
                try {
                    ModelSource sample = SampleModel.of(s.spec());
                    LOG.debug("generated sample model: {} tensors", sample.tensors().size());
                    yield sample;
                } catch (IllegalArgumentException e) {
                    throw new RecipeException(s.spec().type() != null ? s.spec().type().at()
                            : Location.commandLine("sample"), e.getMessage());
                }
            }
            case InputRef.File f -> {
                FormatReader reader = f.reader().isPresent() ? f.reader().get() : detect(f.path());
                long started = System.nanoTime();
                ModelSource source = reader.open(f.path(), readerContext());
                LOG.debug("opened {} with reader {} ({}): {} tensors, {} metadata keys, {} files, in {}", f.path(),
                        reader.id(), f.reader().isPresent() ? "as " + f.at() + " says" : "detected",
                        source.tensors().size(), source.metadata().values().size(), source.metadata().files().size(),
                        Elapsed.since(started));
                yield source;
            }
        };
    }

    private ReaderContext readerContext() {
        return (id, path) -> registry.reader(id)
                .orElseThrow(() -> new IOException("no plugin provides the reader '" + id + "'"))
                .open(path, readerContext());
    }

    /** The reader with the most specific detection; ties between readers are an error. */
    FormatReader detect(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw BadInputException.of(path, "no such file or directory");
        }
        record Candidate(FormatReader reader, Detection detection) {
        }
        long started = System.nanoTime();
        List<Candidate> found = new ArrayList<>();
        for (FormatReader r : registry.readers()) {
            Detection d;
            try {
                d = r.detect(path, readerContext());
                LOG.debug("detect {}: reader {}: {}", path, r.id(),
                        d == Detection.NONE ? "not recognised" : "recognised (" + describe(d) + ")");
            } catch (IOException | RuntimeException e) {
                LOG.debug("detect {}: reader {} failed, so it does not recognise it: {}", path, r.id(), e.toString(), e);
                d = Detection.NONE;
            }
            if (d != Detection.NONE) {
                found.add(new Candidate(r, d));
            }
        }
        if (found.isEmpty()) {
            throw BadInputException.of(path, "no installed reader recognises it (readers: "
                    + String.join(", ", registry.readers().stream().map(FormatReader::id).toList()) + ")");
        }
        Detection best = found.stream().map(Candidate::detection).max(Comparator.naturalOrder()).orElseThrow();
        List<FormatReader> top = found.stream().filter(c -> c.detection() == best).map(Candidate::reader).toList();
        if (top.size() > 1) {
            throw BadInputException.of(path, "both " + top.get(0).id() + " and " + top.get(1).id()
                    + " recognise it; choose one with format");
        }
        LOG.debug("detect {}: reader {} ({}; the most specific of {}), in {}", path, top.getFirst().id(), describe(best),
                found.stream().map(c -> c.reader().id()).toList(), Elapsed.since(started));
        return top.getFirst();
    }

    private static String describe(Detection d) {
        return d.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Plans every output of the job for an opened source. */
    public Plan plan(Job job, OpenedInput input) {
        long started = System.nanoTime();
        Planner planner = new Planner(codecs, defaultFallback());
        List<PlannedOutput> outputs = new ArrayList<>();
        for (OutputJob o : job.outputs()) {
            outputs.add(planner.plan(input.source(), o.path(), o.writer(), o.options(), o.quantization()));
        }
        LOG.debug("phase plan: {} output(s), {} tensors each, in {}", outputs.size(), input.source().tensors().size(),
                Elapsed.since(started));
        return new Plan(input.source(), input.transforms(), outputs);
    }

    /** Runs a plan; commits all outputs or none. */
    public RunResult execute(Job job, Plan plan, int threads, ProgressListener progress) throws IOException {
        var verify = job.verify();
        Executor executor = new Executor(codecs, new Executor.Options(threads > 0 ? threads : config.effectiveThreads(),
                config.chunkValues(), verify.isPresent(), verify.flatMap(v -> v.failIf()), progress));
        return executor.run(plan);
    }

    /** The configured default fallback types a plugin provides (q8_0 needs ggml-quants). */
    private List<TensorType> defaultFallback() {
        List<TensorType> types = new ArrayList<>();
        for (Located<String> t : config.fallback()) {
            try {
                types.add(compiler.type(t));
            } catch (RecipeException e) {
                LOG.debug("default fallback {} ({}) left out: {}", t.value(), t.at(), e.getMessage());
            }
        }
        return types;
    }
}
