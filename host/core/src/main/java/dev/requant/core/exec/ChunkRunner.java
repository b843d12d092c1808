package dev.requant.core.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bounded pool for chunk tasks: at most two tasks per thread are queued or running, so the
 * submitting thread waits instead of queueing a whole model. The first failure stops everything
 * and is rethrown by {@link #awaitAll()}.
 */
final class ChunkRunner implements AutoCloseable {
    /** A chunk's work. */
    interface Task {
        void run() throws IOException;
    }

    private final int threads;
    private final ExecutorService pool;
    private final Semaphore inFlight;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    ChunkRunner(int threads) {
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "requant-worker");
            th.setDaemon(true);
            return th;
        });
        this.inFlight = new Semaphore(2 * threads);
    }

    /** Runs the task on the pool (skipped after a failure); {@code then} runs in any case. */
    void submit(Task task, Runnable then) {
        inFlight.acquireUninterruptibly();
        pool.execute(() -> {
            try {
                if (failure.get() == null) {
                    task.run();
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                then.run();
                inFlight.release();
            }
        });
    }

    boolean failed() {
        return failure.get() != null;
    }

    /** Waits for a latch the tasks count down. */
    void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
        }
    }

    /** Waits for every task; rethrows the first failure. */
    void awaitAll() throws IOException {
        inFlight.acquireUninterruptibly(2 * threads);
        inFlight.release(2 * threads);
        Throwable f = failure.get();
        switch (f) {
            case null -> {
            }
            case UncheckedIOException u -> throw u.getCause();
            case IOException io -> throw io;
            case RuntimeException re -> throw re;
            case Error e -> throw e;
            default -> throw new IOException(f);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
