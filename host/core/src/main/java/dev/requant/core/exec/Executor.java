package dev.requant.core.exec;

import dev.requant.core.RequantException;
import dev.requant.core.plan.Plan;
import dev.requant.core.plan.PlanEntry;
import dev.requant.core.plan.PlannedOutput;
import dev.requant.core.types.Codecs;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSink;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a plan: opens every output with its plan, converts tensors in row chunks on a bounded pool
 * (each chunk: decode once to f32, encode once per target type, write at planned offsets of every
 * output that wants it), measures when asked, then commits every output, or aborts all of them on
 * any failure. Memory is bounded by threads x chunk size, not by the model.
 */
public final class Executor {
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
            checkVerify(outputs, stats);
            for (ModelSink sink : sinks) {
                sink.commit();
            }
            List<OutputResult> results = new ArrayList<>();
            for (int o = 0; o < outputs.size(); o++) {
                results.add(new OutputResult(outputs.get(o), java.util.Arrays.asList(stats.get(o))));
            }
            return new RunResult(results, bytes, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException | RuntimeException | Error e) {
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
        int threads = Math.max(1, options.threads());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "requant-worker");
            th.setDaemon(true);
            return th;
        });
        Semaphore inFlight = new Semaphore(2 * threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            submit:
            for (TensorWork w : work) {
                if (options.measure()) {
                    for (var target : w.targets) {
                        target.outputs().forEach(o -> stats.get(o)[w.index] = new ErrorStats());
                    }
                }
                int chunk = w.chunkRows(options.chunkElements());
                for (long row = 0; row < Math.max(w.rows, 1); row += chunk) {
                    inFlight.acquireUninterruptibly();
                    if (failure.get() != null) {
                        inFlight.release();
                        break submit;
                    }
                    long first = row;
                    int count = (int) Math.min(chunk, w.rows - row);
                    pool.execute(() -> {
                        try {
                            if (failure.get() == null && count > 0) {
                                convertChunk(w, first, count, sinks, stats);
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        } finally {
                            inFlight.release();
                        }
                    });
                }
            }
            inFlight.acquireUninterruptibly(2 * threads);
        } finally {
            pool.shutdownNow();
            options.progress().finish();
        }
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (f instanceof IOException io) {
                throw io;
            }
            if (f instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) f;
        }
        return total;
    }

    private void convertChunk(TensorWork w, long first, int count, List<ModelSink> sinks, List<ErrorStats[]> stats)
            throws IOException {
        for (int o : w.copies) {
            copyRows(w, first, count, sinks.get(o));
        }
        if (w.decodes()) {
            int n = Math.toIntExact(count * w.rowLength);
            Scratch scratch = Scratch.get();
            float[] values = scratch.values(n);
            codecs.decode(w.source, first, count, values, 0);
            for (TensorWork.Target target : w.targets) {
                MemorySegment[] encoded = encode(w, target, values, first, count, scratch);
                for (int o : target.outputs()) {
                    write(sinks.get(o), w.index, target.entry(), first, w.rows, encoded);
                }
                if (options.measure()) {
                    ErrorStats chunkStats = measure(w, target, encoded, count, values, scratch);
                    target.outputs().forEach(o -> stats.get(o)[w.index].merge(chunkStats));
                }
            }
        }
        for (TensorPart part : w.storedParts()) {
            long start = RowRanges.start(part.spec(), w.rows, first);
            PageRelease.release(part.data().asSlice(start, RowRanges.length(part.spec(), w.rows, first, count)));
        }
        options.progress().advance(Math.multiplyExact(w.sourceBytes(), (long) count) / Math.max(w.rows, 1));
    }

    private static void copyRows(TensorWork w, long first, int count, ModelSink sink) throws IOException {
        List<TensorPart> parts = w.storedParts();
        for (int p = 0; p < parts.size(); p++) {
            PartSpec spec = parts.get(p).spec();
            long start = RowRanges.start(spec, w.rows, first);
            long length = RowRanges.length(spec, w.rows, first, count);
            if (length > 0) {
                sink.write(w.index, p, start, parts.get(p).data().asSlice(start, length));
            }
        }
    }

    private static MemorySegment[] encode(TensorWork w, TensorWork.Target target, float[] values, long first,
                                          int count, Scratch scratch) {
        List<PartSpec> parts = target.entry().parts();
        long total = 0;
        for (PartSpec p : parts) {
            total += RowRanges.length(p, w.rows, first, count);
        }
        MemorySegment buffer = scratch.bytes(total);
        MemorySegment[] out = new MemorySegment[parts.size()];
        long at = 0;
        for (int p = 0; p < parts.size(); p++) {
            long length = RowRanges.length(parts.get(p), w.rows, first, count);
            out[p] = buffer.asSlice(at, length);
            at += length;
        }
        target.codec().encode(target.info(), values, 0, count, out);
        return out;
    }

    private static void write(ModelSink sink, int tensor, PlanEntry entry, long first, long rows,
                              MemorySegment[] encoded) throws IOException {
        for (int p = 0; p < encoded.length; p++) {
            if (encoded[p].byteSize() > 0) {
                sink.write(tensor, p, RowRanges.start(entry.parts().get(p), rows, first), encoded[p]);
            }
        }
    }

    /**
     * Decodes the chunk just encoded, viewed as a tensor of its own rows, and measures it against
     * the values it was encoded from.
     */
    private static ErrorStats measure(TensorWork w, TensorWork.Target target, MemorySegment[] encoded, int count,
                                      float[] values, Scratch scratch) {
        List<PartSpec> parts = target.entry().parts();
        List<TensorPart> view = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            ElementType dtype = parts.get(p).dtype();
            long elements = encoded[p].byteSize() * 8 / dtype.bits();
            view.add(new TensorPart(new PartSpec(parts.get(p).role(), dtype, Shape.of(elements)), encoded[p]));
        }
        TensorInfo rowsInfo = new TensorInfo(target.info().name(), Shape.of(count, w.rowLength), target.info().type());
        int n = Math.toIntExact(count * w.rowLength);
        float[] check = scratch.check(n);
        target.codec().decode(new StoredTensor(rowsInfo, view), 0, count, check, 0);
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
