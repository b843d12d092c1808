package dev.requant.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * An output being written. The writer laid out every tensor from the {@link OutputPlan} when it
 * was created; the host then writes each part's bytes at offsets within that part, from several
 * threads at once and in any order, and finally commits or aborts.
 */
public interface ModelSink {
    /**
     * Writes {@code bytes} at {@code offset} within part {@code part} of tensor {@code tensor}
     * (indices into the plan). Thread-safe for disjoint ranges.
     */
    void write(int tensor, int part, long offset, MemorySegment bytes) throws IOException;

    /**
     * Makes the output visible, all of it or nothing: data is flushed to disk and temp files are
     * renamed to their final names.
     */
    void commit() throws IOException;

    /** Removes everything this sink wrote. Never throws; safe to call after a failed commit. */
    void abort();
}
