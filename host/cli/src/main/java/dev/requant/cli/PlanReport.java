package dev.requant.cli;

import dev.requant.core.plan.Action;
import dev.requant.core.plan.Plan;
import dev.requant.core.plan.PlanEntry;
import dev.requant.core.plan.PlannedOutput;
import dev.requant.core.plan.Substitution;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.util.List;
import java.util.function.Predicate;

/** A plan as {@code requant plan} shows it, in text or JSON. */
record PlanReport(List<Transform> transforms, List<Output> outputs) {

    record Transform(String id, boolean automatic, String description) {
        /** One line for plans and run summaries. */
        String line() {
            return "transform " + id + (automatic ? " (applied automatically: " + description + ")" : "");
        }
    }

    record Output(String path, String format, String quantization, List<String> notes, List<Tensor> tensors,
                  Totals totals) {
    }

    /** {@code fidelity}: exact, or lossy with the error bound known before running. */
    record Tensor(String name, List<Long> shape, String source, String target, String action, String fidelity,
                  long bytes, String why, List<String> fallback) {
    }

    record Totals(int tensors, long converted, long repacked, long copied, long lossy, long fallbacks, long values,
                  long sourceBytes, long bytes, double bitsPerWeight) {
    }

    static PlanReport of(Plan plan) {
        return new PlanReport(plan.transforms().stream()
                .map(t -> new Transform(t.transform().id(), t.automatic(), t.transform().description())).toList(),
                plan.outputs().stream().map(PlanReport::output).toList());
    }

    private static Output output(PlannedOutput o) {
        List<Tensor> tensors = o.entries().stream().map(PlanReport::tensor).toList();
        long values = o.entries().stream().mapToLong(e -> e.target().shape().numel()).sum();
        long sourceBytes = o.entries().stream().mapToLong(e -> sourceBytes(e.source())).sum();
        long converted = count(o, e -> e.action() == Action.CONVERT);
        long repacked = count(o, e -> e.action() == Action.TRANSCODE);
        long lossy = count(o, e -> !e.fidelity().exact());
        Totals totals = new Totals(tensors.size(), converted, repacked, tensors.size() - converted - repacked, lossy,
                o.fallbacks(), values, sourceBytes, o.dataBytes(), values == 0 ? 0 : o.dataBytes() * 8.0 / values);
        return new Output(o.path().toString(), o.writer().id(), o.quantization().orElse(null), o.notes(), tensors,
                totals);
    }

    private static Tensor tensor(PlanEntry e) {
        List<Long> shape = java.util.Arrays.stream(e.target().shape().dims()).boxed().toList();
        return new Tensor(e.target().name(), shape, e.source().info().type().id(), e.target().type().id(),
                e.action().name().toLowerCase(java.util.Locale.ROOT), e.fidelity().toString(), e.byteSize(), e.why(),
                e.refused().stream().map(Substitution::toString).toList());
    }

    private static long count(PlannedOutput o, Predicate<PlanEntry> which) {
        return o.entries().stream().filter(which).count();
    }

    /** Bytes of a source tensor as stored, or as f32 values when it is computed. */
    static long sourceBytes(SourceTensor t) {
        return t instanceof StoredTensor s ? s.byteSize() : t.info().shape().numel() * 4;
    }
}
