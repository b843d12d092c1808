package dev.requant.core.exec;

import dev.requant.core.Elapsed;
import dev.requant.core.RequantException;
import dev.requant.core.plan.Plan;
import dev.requant.core.plan.PlannedOutput;
import dev.requant.core.types.Codecs;
import dev.requant.spi.ModelSink;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan: opens every output with its plan, converts tensors in row chunks on a bounded pool
 * (each chunk: decode once to f32, encode once per target type, write at planned offsets of every
 * output that wants it), measures when asked, then commits every output, or aborts all of them on
 * any failure. Memory is bounded by threads x chunk size, not by the model.
 */
public final class Executor {
    private static final Logger LOG = LoggerFactory.getLogger(Executor.class);

    /**
     * @param chunkElements about how many values a chunk holds (a row is never split)
     * @param measure       decode every converted chunk again and measure its error
     * @param failIf        a verify condition that stops the run before anything is published
     */
    public record Options(int threads, long chunkElements, boolean measure, Optional<FailCondition> failIf,
                          ProgressListener progress) {
    }

    private final Codecs codecs;
    private final Options options;

    public Executor(Codecs codecs, Options options) {
        this.codecs = codecs;
        this.options = options;
    }

    public RunResult run(Plan plan) throws IOException {
        long started = System.nanoTime();
        List<PlannedOutput> outputs = plan.outputs();
        List<ModelSink> sinks = new CopyOnWriteArrayList<>();
        // an interrupted run (Ctrl-C, kill) must not leave temp files behind either
        Thread onExit = new Thread(() -> sinks.forEach(ModelSink::abort), "requant-abort-on-exit");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            long phase = System.nanoTime();
            for (PlannedOutput o : outputs) {
                try {
                    sinks.add(o.writer().create(o.path(), o.toOutputPlan(), o.options()));
                } catch (IllegalArgumentException e) {
                    throw new RequantException(RequantException.USAGE, o.path() + " (" + o.writer().id() + "): "
                            + e.getMessage());
                }
            }
            List<ErrorStats[]> stats = outputs.stream().map(o -> new ErrorStats[o.entries().size()]).toList();
            long bytes = convertAll(outputs, sinks, stats);
            LOG.debug("phase convert: {} tensors, {} bytes of source data, into {} output(s) on {} threads with chunks of"
                    + " about {} values{}, in {}", outputs.getFirst().entries().size(), bytes, outputs.size(),
                    Math.max(1, options.threads()), options.chunkElements(),
                    options.measure() ? ", each converted chunk measured" : "", Elapsed.since(phase));
            phase = System.nanoTime();
            checkVerify(outputs, stats);
            if (options.measure()) {
                LOG.debug("phase verify: {}, in {}", options.failIf().map(c -> "fail_if " + c + " holds for no tensor")
                        .orElse("no fail_if to check"), Elapsed.since(phase));
            }
            phase = System.nanoTime();
            for (int o = 0; o < sinks.size(); o++) {
                long at = System.nanoTime();
                sinks.get(o).commit();
                LOG.debug("committed {} in {}", outputs.get(o).path(), Elapsed.since(at));
            }
            LOG.debug("phase commit: {} output(s) in {}", sinks.size(), Elapsed.since(phase));
            List<OutputResult> results = new ArrayList<>();
            for (int o = 0; o < outputs.size(); o++) {
                results.add(new OutputResult(outputs.get(o), java.util.Arrays.asList(stats.get(o))));
            }
            return new RunResult(results, bytes, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException | RuntimeException | Error e) {
            LOG.debug("the run failed ({}): aborting {} output(s), nothing is published", e.toString(), sinks.size());
            sinks.forEach(ModelSink::abort);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it aborts what is not committed
            }
        }
    }

    private long convertAll(List<PlannedOutput> outputs, List<ModelSink> sinks, List<ErrorStats[]> stats)
            throws IOException {
        int tensors = outputs.getFirst().entries().size();
        List<TensorWork> work = new ArrayList<>(tensors);
        long total = 0;
        for (int t = 0; t < tensors; t++) {
            final int ti = t;
            TensorWork w = new TensorWork(t, outputs.stream().map(o -> o.entries().get(ti)).toList(), codecs);
            work.add(w);
            total += w.sourceBytes();
        }
        options.progress().start(total);
        try (ChunkRunner runner = new ChunkRunner(Math.max(1, options.threads()))) {
            for (TensorWork w : work) {
                if (runner.failed()) {
                    break;
                }
                if (options.measure()) {
                    for (TensorWork.Target target : w.targets) {
                        target.outputs.forEach(o -> stats.get(o)[w.index] = new ErrorStats());
                    }
                }
                int chunk = w.chunkRows(options.chunkElements());
                long chunks = Math.max(1, Math.ceilDiv(w.rows, chunk));
                if (w.needsPrepass()) {
                    CountDownLatch observed = new CountDownLatch(Math.toIntExact(chunks));
                    for (long c = 0; c < chunks; c++) {
                        long first = c * chunk;
                        int count = (int) Math.min(chunk, w.rows - first);
                        runner.submit(() -> observeChunk(w, first, count), observed::countDown);
                    }
                    runner.await(observed);
                }
                w.pending.set(chunks);
                for (long c = 0; c < chunks; c++) {
                    long first = c * chunk;
                    int count = (int) Math.max(0, Math.min(chunk, w.rows - first));
                    runner.submit(() -> {
                        if (count > 0) {
                            convertChunk(w, first, count, sinks, stats);
                        }
                        if (w.pending.decrementAndGet() == 0) {
                            finishTensor(w, sinks);
                        }
                    }, () -> {
                    });
                }
            }
            runner.awaitAll();
        } finally {
            options.progress().finish();
        }
        return total;
    }

    /** The prepass of encoders that need a statistic of the whole tensor. */
    private void observeChunk(TensorWork w, long first, int count) {
        float[] values = Scratch.get().values(Math.toIntExact(count * w.rowLength));
        codecs.decode(w.source, first, count, values, 0);
        for (TensorWork.Target target : w.targets) {
            if (target.encoder != null && target.encoder.needsPrepass()) {
                target.encoder.observe(values, 0, first, count);
            }
        }
    }

    private void convertChunk(TensorWork w, long first, int count, List<ModelSink> sinks, List<ErrorStats[]> stats)
            throws IOException {
        for (int o : w.copies) {
            copyRows(w, first, count, sinks.get(o));
        }
        Scratch scratch = Scratch.get();
        float[] values = null;
        if (w.decodes() || (options.measure() && !w.targets.isEmpty())) {
            values = scratch.values(Math.toIntExact(count * w.rowLength));
            codecs.decode(w.source, first, count, values, 0);
        }
        for (TensorWork.Target target : w.targets) {
            List<PartSpec> layout = target.chunkLayout(count, w.rowLength);
            MemorySegment[] made = slices(layout, scratch);
            target.make(w.source instanceof StoredTensor s ? s : null, values, first, count, made);
            for (int o : target.outputs) {
                place(sinks.get(o), w.index, target.entry.parts(), w.rows, first, count, made);
            }
            if (options.measure()) {
                ErrorStats chunkStats = measure(target, layout, made, count, w.rowLength, values, scratch);
                target.outputs.forEach(o -> stats.get(o)[w.index].merge(chunkStats));
            }
        }
        for (TensorPart part : w.storedParts()) {
            RowRanges.forEach(part.spec(), w.rows, first, count,
                    (at, from, length) -> PageRelease.release(part.data().asSlice(at, length)));
        }
        options.progress().advance(Math.multiplyExact(w.sourceBytes(), (long) count) / Math.max(w.rows, 1));
    }

    /** Writes the parts that describe the whole tensor, once every row is done. */
    private static void finishTensor(TensorWork w, List<ModelSink> sinks) throws IOException {
        for (TensorWork.Target target : w.targets) {
            if (!target.hasWholeParts()) {
                continue;
            }
            List<PartSpec> parts = target.entry.parts();
            MemorySegment[] whole = new MemorySegment[parts.size()];
            try (Arena arena = Arena.ofConfined()) {
                for (int p = 0; p < parts.size(); p++) {
                    if (parts.get(p).rows() == PartSpec.Rows.NONE) {
                        long size = parts.get(p).byteSize();
                        whole[p] = arena.allocate(Math.max(1, size)).asSlice(0, size);
                    }
                }
                target.finish(whole);
                for (int o : target.outputs) {
                    for (int p = 0; p < parts.size(); p++) {
                        if (whole[p] != null && whole[p].byteSize() > 0) {
                            sinks.get(o).write(w.index, p, 0, whole[p]);
                        }
                    }
                }
            }
        }
    }

    private static void copyRows(TensorWork w, long first, int count, ModelSink sink) throws IOException {
        List<TensorPart> parts = w.storedParts();
        for (int p = 0; p < parts.size(); p++) {
            int part = p;
            PartSpec spec = parts.get(p).spec();
            MemorySegment data = parts.get(p).data();
            if (spec.rows() == PartSpec.Rows.NONE) {
                if (first == 0 && data.byteSize() > 0) {
                    sink.write(w.index, part, 0, data);
                }
            } else {
                RowRanges.forEach(spec, w.rows, first, count,
                        (at, from, length) -> sink.write(w.index, part, at, data.asSlice(at, length)));
            }
        }
    }

    /** The chunk's parts, laid out one after the other in the thread's scratch bytes. */
    private static MemorySegment[] slices(List<PartSpec> layout, Scratch scratch) {
        long total = 0;
        for (PartSpec p : layout) {
            total += p.byteSize();
        }
        MemorySegment buffer = scratch.bytes(total);
        MemorySegment[] out = new MemorySegment[layout.size()];
        long at = 0;
        for (int p = 0; p < out.length; p++) {
            out[p] = buffer.asSlice(at, layout.get(p).byteSize());
            at += layout.get(p).byteSize();
        }
        return out;
    }

    /** Writes a chunk's parts where its rows lie in the whole tensor's parts. */
    private static void place(ModelSink sink, int tensor, List<PartSpec> whole, long rows, long first, int count,
                              MemorySegment[] made) throws IOException {
        for (int p = 0; p < whole.size(); p++) {
            int part = p;
            RowRanges.forEach(whole.get(p), rows, first, count,
                    (at, from, length) -> sink.write(tensor, part, at, made[part].asSlice(from, length)));
        }
    }

    /** Decodes the chunk just made, as a tensor of its own rows, and measures it against the source's values. */
    private static ErrorStats measure(TensorWork.Target target, List<PartSpec> layout, MemorySegment[] made,
                                      int count, long rowLength, float[] values, Scratch scratch) {
        List<TensorPart> view = new ArrayList<>();
        for (int p = 0; p < layout.size(); p++) {
            view.add(new TensorPart(layout.get(p), made[p]));
        }
        TensorInfo rowsInfo = new TensorInfo(target.info().name(), Shape.of(count, rowLength), target.info().type());
        int n = Math.toIntExact(count * rowLength);
        float[] check = scratch.check(n);
        target.codec.decode(new StoredTensor(rowsInfo, view), 0, count, check, 0);
        return ErrorStats.of(values, 0, check, 0, n);
    }

    private void checkVerify(List<PlannedOutput> outputs, List<ErrorStats[]> stats) {
        if (options.failIf().isEmpty()) {
            return;
        }
        FailCondition condition = options.failIf().get();
        List<String> failing = new ArrayList<>();
        for (int o = 0; o < outputs.size(); o++) {
            for (int t = 0; t < stats.get(o).length; t++) {
                ErrorStats s = stats.get(o)[t];
                if (s != null && condition.holds(s)) {
                    failing.add(outputs.get(o).path().getFileName() + ": " + outputs.get(o).entries().get(t).target()
                            + ": " + describe(s, List.of(Metric.values())));
                }
            }
        }
        if (!failing.isEmpty()) {
            throw new VerifyFailedException(condition.toString(), failing);
        }
    }

    /** {@code rmse=0.0012 rel_rmse=0.031 ...}, the given metrics in their order. */
    public static String describe(ErrorStats s, List<Metric> metrics) {
        StringBuilder b = new StringBuilder();
        for (Metric m : metrics) {
            b.append(b.isEmpty() ? "" : " ").append(m.id()).append('=')
                    .append(String.format(java.util.Locale.ROOT, "%.6g", s.value(m)));
        }
        return b.toString();
    }
}
