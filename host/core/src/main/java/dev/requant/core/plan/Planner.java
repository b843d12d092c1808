package dev.requant.core.plan;

import dev.requant.core.types.Codecs;
import dev.requant.core.types.TypeCodec;
import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import dev.requant.spi.Transcoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before anything is written, the type of every tensor of an output and why: the first
 * matching rule, else the default type for tensors a converter quantizes (weight matrices), else
 * the tensor's own type. A type that does not fit a shape, or that the writer cannot store, is
 * replaced along the fallback chain, and each replacement is recorded. Problems are collected for
 * all tensors and reported together.
 */
public final class Planner {
    private static final Logger LOG = LoggerFactory.getLogger(Planner.class);
    /** llama's embed_tokens, GPT-2's wte/wpe, BLOOM's word_embeddings, Meta's tok_embeddings. */
    private static final java.util.regex.Pattern EMBEDDING = java.util.regex.Pattern.compile(
            "(^|\\.)(embed_tokens|wte|wpe|word_embeddings|tok_embeddings|embeddings?)(\\.|$)");

    private final Codecs codecs;
    private final List<TensorType> defaultFallback;

    /** @param defaultFallback tried after a type's own fallbacks when a recipe sets no chain (q8_0, f16) */
    public Planner(Codecs codecs, List<TensorType> defaultFallback) {
        this.codecs = codecs;
        this.defaultFallback = List.copyOf(defaultFallback);
    }

    public PlannedOutput plan(ModelSource source, Path path, FormatWriter writer, Map<String, String> options,
                              Quantization q) {
        List<Optional<PlanEntry>> planned = new ArrayList<>();
        List<SourceTensor> free = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        TensorFacts facts = TensorFacts.of(source);
        for (SourceTensor t : source.tensors()) {
            try {
                Optional<PlanEntry> e = planTensor(t, writer, q, facts);
                planned.add(e);
                if (e.isEmpty()) {
                    free.add(t);
                }
            } catch (Problem p) {
                problems.add(p.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new PlanException("cannot plan " + path + " (" + writer.id() + "): " + problems.size() + " of "
                    + source.tensors().size() + " tensors cannot be written as asked", problems);
        }
        List<PlanEntry> entries = new ArrayList<>();
        if (!free.isEmpty()) {
            long fixed = planned.stream().flatMap(Optional::stream).mapToLong(PlanEntry::byteSize).sum();
            long values = source.tensors().stream().mapToLong(t -> t.info().shape().numel()).sum();
            var chosen = new TargetAllocator(codecs).allocate(free, q.target().orElseThrow(), fixed, values,
                    type -> stores(writer, type)).iterator();
            planned.forEach(e -> entries.add(e.orElseGet(chosen::next)));
        } else {
            planned.forEach(e -> entries.add(e.orElseThrow()));
        }
        if (LOG.isDebugEnabled()) {
            entries.forEach(e -> LOG.debug("plan {}: {}", path.getFileName(), describe(e)));
        }
        Optional<String> label = q.target().isPresent() ? dominantType(entries) : q.label();
        return new PlannedOutput(path, writer, Map.copyOf(options), source.metadata().copy(), label,
                checkpoint(entries, path, writer), entries, unmatchedRules(source, q));
    }

    /**
     * A note when there are rules but none names a tensor of this input, which is how a preset
     * written for one naming (llama.cpp's GGUF names) silently becomes its default type alone on
     * another (a Hugging Face checkpoint that was not renamed).
     */
    private static List<String> unmatchedRules(ModelSource source, Quantization q) {
        if (q.rules().isEmpty() || source.tensors().isEmpty() || source.tensors().stream()
                .anyMatch(t -> q.rules().stream().anyMatch(r -> r.match().matches(t.name())))) {
            return List.of();
        }
        return List.of("none of the " + q.rules().size() + " rules" + q.label().map(l -> " of " + l).orElse("")
                + " names a tensor of this input (the first is " + q.rules().getFirst().describe()
                + "; the tensors are named like '" + source.tensors().getFirst().name() + "'), so "
                + q.defaultType().map(t -> "every quantized tensor gets the default " + t.id())
                        .orElse("no tensor changes type") + q.defaultAt().map(at -> " (" + at + ")").orElse(""));
    }

    /** A writer stores a type it knows, or any type with a checkpoint layout when it stores parts by name. */
    private boolean stores(FormatWriter writer, TensorType type) {
        return writer.canStore(type) || writer.storesCheckpointLayouts()
                && codecs.of(type).flatMap(TypeCodec::checkpointLayout).isPresent();
    }

    /** The configuration of an output whose tensors use a scheme with a checkpoint layout: one scheme per output. */
    private Optional<CheckpointConfig> checkpoint(List<PlanEntry> entries, Path path, FormatWriter writer) {
        if (!writer.storesCheckpointLayouts()) {
            return Optional.empty();
        }
        Map<String, CheckpointLayout> layouts = new java.util.TreeMap<>();
        for (PlanEntry e : entries) {
            if (e.target().type() instanceof Encoding enc) {
                codecs.of(enc).flatMap(TypeCodec::checkpointLayout).ifPresent(l -> layouts.put(enc.scheme(), l));
            }
        }
        String where = "cannot plan " + path + " (" + writer.id() + ")";
        if (layouts.size() > 1) {
            throw new PlanException(where + ": a checkpoint holds one quantization method, this one would hold "
                    + String.join(" and ", layouts.keySet()), List.of());
        }
        try {
            return layouts.values().stream().findFirst()
                    .map(l -> l.config(entries.stream().map(PlanEntry::target).toList()));
        } catch (IllegalArgumentException e) {
            throw new PlanException(where + ": " + e.getMessage(), List.of());
        }
    }

    /** The quantized type that holds most values: what a mixture chosen by a size target is known by. */
    private static Optional<String> dominantType(List<PlanEntry> entries) {
        Map<TensorType, Long> values = new java.util.HashMap<>();
        for (PlanEntry e : entries) {
            if (e.target().type().isQuantized()) {
                values.merge(e.target().type(), e.target().shape().numel(), Long::sum);
            }
        }
        return values.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> e.getKey().id().toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * {@code blk.0.ffn_down.weight [64, 172] f32 -> f16: convert, lossy; default (--type); fell back
     * from q8_0: row length 172 is not a multiple of 32 (q8_0 block)}
     */
    private static String describe(PlanEntry e) {
        String type = e.action() == Action.COPY ? e.target().type().id()
                : e.source().info().type().id() + " -> " + e.target().type().id();
        String how = e.action() == Action.TRANSCODE ? "repack" : e.action().name().toLowerCase(java.util.Locale.ROOT);
        return e.target().name() + " " + e.target().shape() + " " + type + ": " + how + ", " + e.fidelity() + "; "
                + e.why() + (e.fellBack() ? "; fell back from " + String.join("; then ",
                e.refused().stream().map(Substitution::toString).toList()) : "");
    }

    /** True for the tensors a converter quantizes by default: weight matrices, not norms. */
    public boolean quantizable(SourceTensor t) {
        TensorInfo i = t.info();
        return i.shape().rank() >= 2 && i.name().endsWith("weight") && !i.name().contains("norm") && codecs.canDecode(t);
    }

    /** The entry of a tensor, or empty when a size target is to choose its type. */
    private Optional<PlanEntry> planTensor(SourceTensor t, FormatWriter writer, Quantization q, TensorFacts facts) {
        TensorInfo info = t.info();
        Optional<Rule> rule = firstRule(q.rules(), info, facts);
        Optional<TensorType> requested;
        String why;
        if (rule.isEmpty() && q.target().isPresent() && quantizable(t)) {
            return Optional.empty();
        }
        if (rule.isPresent()) {
            requested = rule.get().type();
            why = rule.get().describe();
        } else if (q.defaultType().isPresent() && quantizable(t) && !embeddingItsLoadersKeep(t, q.defaultType().get())) {
            requested = q.defaultType();
            why = "default" + q.defaultAt().map(at -> " (" + at + ")").orElse("");
        } else {
            requested = Optional.empty();
            why = keptBecause(t, q);
        }
        if (requested.isEmpty()) {
            return Optional.of(keep(t, writer, why));
        }
        TensorType wanted = requested.get();
        if (wanted.equals(info.type()) && t instanceof StoredTensor s && stores(writer, wanted)) {
            return Optional.of(copy(s, why));
        }
        requireDecodable(t, wanted, why);
        List<Substitution> refused = new ArrayList<>();
        for (TensorType candidate : candidates(wanted, q)) {
            Optional<String> misfit = misfit(t, info.withType(candidate), writer);
            if (misfit.isEmpty()) {
                return Optional.of(candidate.equals(info.type()) && t instanceof StoredTensor s
                        ? copy(s, why, refused) : convert(t, candidate, why, refused));
            }
            refused.add(new Substitution(candidate, misfit.get()));
        }
        throw new Problem(info.name() + " " + info.shape() + " " + info.type().id() + " -> " + wanted.id()
                + " (" + why + "): " + String.join("; ", refused.stream().map(Substitution::toString).toList())
                + (q.fallback().map(List::isEmpty).orElse(false) ? "; the recipe's fallback is empty" : ""));
    }

    private PlanEntry keep(SourceTensor t, FormatWriter writer, String why) {
        TensorType own = t.info().type();
        if (stores(writer, own)) {
            return t instanceof StoredTensor s ? copy(s, why) : convert(t, own, why, List.of());
        }
        if (codecs.canDecode(t) && writer.canStore(ElementType.F32)) {
            return convert(t, ElementType.F32, why + "; f32 because " + writer.id() + " cannot store " + own.id(),
                    List.of(new Substitution(own, writer.id() + " cannot store it")));
        }
        throw new Problem(t.name() + " " + t.info().shape() + " " + own.id() + " (" + why + "): " + writer.id()
                + " cannot store " + own.id() + (!codecs.canDecode(t) ? " and no plugin decodes it"
                : own == ElementType.F32 ? "" : " nor f32"));
    }

    private void requireDecodable(SourceTensor t, TensorType wanted, String why) {
        if (!codecs.canDecode(t)) {
            throw new Problem(t.name() + " " + t.info().shape() + " is " + t.info().type().id() + ": no plugin decodes it,"
                    + " so it cannot become " + wanted.id() + " (" + why + ")");
        }
    }

    /** The requested type, then the recipe's fallback chain or the default one. */
    private List<TensorType> candidates(TensorType wanted, Quantization q) {
        LinkedHashSet<TensorType> chain = new LinkedHashSet<>();
        chain.add(wanted);
        if (q.fallback().isPresent()) {
            chain.addAll(q.fallback().get());
        } else {
            Optional<TensorType> next = codecs.of(wanted).flatMap(TypeCodec::fallback);
            while (next.isPresent() && chain.add(next.get())) {
                next = codecs.of(next.get()).flatMap(TypeCodec::fallback);
            }
            chain.addAll(defaultFallback);
        }
        return List.copyOf(chain);
    }

    private static Optional<Rule> firstRule(List<Rule> rules, TensorInfo info, TensorFacts facts) {
        for (Rule r : rules) {
            try {
                if (r.applies(info, facts)) {
                    return Optional.of(r);
                }
            } catch (IllegalArgumentException e) {
                throw new Problem(info.name() + ": " + r.describe() + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Why a tensor cannot be written with this type, if it cannot. */
    private Optional<String> misfit(SourceTensor t, TensorInfo target, FormatWriter writer) {
        Optional<TypeCodec> codec = codecs.of(target.type());
        if (codec.isEmpty() || !codec.get().canEncode() && transcoder(t, target).isEmpty()) {
            return Optional.of("requant cannot encode " + target.type().id());
        }
        if (!stores(writer, target.type())) {
            return Optional.of(writer.id() + " cannot store it");
        }
        return codec.get().fit(target);
    }

    private PlanEntry copy(StoredTensor s, String why) {
        return copy(s, why, List.of());
    }

    /** The stored bytes as they are, also when a fallback lands on the tensor's own type. */
    private PlanEntry copy(StoredTensor s, String why, List<Substitution> refused) {
        List<PartSpec> parts = s.parts().stream().map(TensorPart::spec).toList();
        return new PlanEntry(s, s.info(), parts, codecs.partNames(s.info(), parts), Action.COPY, Fidelity.EXACT, why,
                List.copyOf(refused));
    }

    private PlanEntry convert(SourceTensor t, TensorType type, String why, List<Substitution> refused) {
        TensorInfo target = t.info().withType(type);
        List<PartSpec> parts = codecs.of(type).orElseThrow().layout(target);
        Optional<Transcoder> repack = transcoder(t, target);
        if (repack.isPresent()) {
            Fidelity fidelity = repack.get().exact() ? Fidelity.EXACT : Fidelity.lossyWithin(repack.get().maxError());
            return new PlanEntry(t, target, parts, codecs.partNames(target, parts), Action.TRANSCODE, fidelity, why,
                    List.copyOf(refused));
        }
        Fidelity fidelity = type == ElementType.F32 || type == ElementType.F64 ? Fidelity.EXACT : Fidelity.LOSSY;
        return new PlanEntry(t, target, parts, codecs.partNames(target, parts), Action.CONVERT, fidelity, why,
                List.copyOf(refused));
    }

    /** A repacking of a stored tensor into the target's type without f32, when its scheme knows one. */
    private Optional<Transcoder> transcoder(SourceTensor t, TensorInfo target) {
        if (!(t instanceof StoredTensor s) || s.info().type().equals(target.type())) {
            return Optional.empty();
        }
        return codecs.of(s.info().type()).flatMap(c -> c.transcoder(s, target));
    }

    private String keptBecause(SourceTensor t, Quantization q) {
        TensorInfo i = t.info();
        if (q.defaultType().isEmpty()) {
            return "kept (no default type)";
        }
        if (i.shape().rank() < 2) {
            return "kept (" + i.shape().rank() + "-d)";
        }
        if (!codecs.canDecode(t)) {
            return "kept (" + i.type().id() + " cannot be decoded)";
        }
        if (quantizable(t)) {
            return "kept (an embedding: " + q.defaultType().get().id() + " checkpoints quantize Linear layers only)";
        }
        return "kept (not a weight matrix)";
    }

    /** An embedding table, by its usual names, under a default type whose checkpoint loaders leave embeddings alone. */
    private boolean embeddingItsLoadersKeep(SourceTensor t, TensorType type) {
        return EMBEDDING.matcher(t.info().name()).find() && codecs.of(type).flatMap(TypeCodec::checkpointLayout)
                .map(l -> !l.quantizesEmbeddings()).orElse(false);
    }

    /** One tensor's problem; collected, then reported with all others. */
    private static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Problem(String message) {
            super(message, null, false, false);
        }
    }
}
