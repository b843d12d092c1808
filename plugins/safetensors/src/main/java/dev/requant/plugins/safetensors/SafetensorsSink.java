package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import dev.requant.spi.ModelSink;
import dev.requant.spi.io.OutputFile;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A safetensors output being written: every shard file with its header already in place, the
 * index and the side files written in full, all under temporary names until {@link #commit()}.
 * Tensor bytes go straight to their final offsets, from any number of threads.
 */
final class SafetensorsSink implements ModelSink {
    private enum State { OPEN, COMMITTED, ABORTED }

    private static final int COPY_CHUNK = 1 << 20;

    /** Shards first, then side files, the index last: a reader never sees an index before its shards. */
    private final List<OutputFile> files;
    private final OutputLayout layout;
    private final String[] tensorNames;
    private final OutputFile[] fileOf;
    private final long[] offsetOf;
    private final long[] sizeOf;
    private final AtomicLongArray written;
    private final List<Path> published = new ArrayList<>();
    private volatile State state = State.OPEN;

    private SafetensorsSink(List<OutputFile> files, OutputLayout layout, String[] tensorNames, OutputFile[] fileOf,
            long[] offsetOf, long[] sizeOf) {
        this.files = files;
        this.layout = layout;
        this.tensorNames = tensorNames;
        this.fileOf = fileOf;
        this.offsetOf = offsetOf;
        this.sizeOf = sizeOf;
        this.written = new AtomicLongArray(tensorNames.length);
    }

    /** Creates every file of the layout in {@code folder}, and the side files when given. */
    static SafetensorsSink create(Path folder, OutputLayout layout, List<AuxFile> sideFiles) throws IOException {
        int n = layout.stored().size();
        OutputFile[] fileOf = new OutputFile[n];
        long[] offsetOf = new long[n];
        long[] sizeOf = new long[n];
        List<OutputFile> files = new ArrayList<>();
        try {
            for (OutputLayout.Shard shard : layout.shards()) {
                OutputFile out = OutputFile.create(folder.resolve(shard.fileName()));
                files.add(out);
                out.setLength(shard.length());
                out.write(0, shard.head());
                for (OutputLayout.Slot slot : shard.slots()) {
                    fileOf[slot.storedIndex()] = out;
                    offsetOf[slot.storedIndex()] = slot.offset();
                    sizeOf[slot.storedIndex()] = slot.size();
                }
            }
            for (AuxFile aux : sideFiles) {
                OutputFile out = OutputFile.create(folder.resolve(aux.name()));
                files.add(out);
                copy(aux, out);
            }
            if (layout.index().isPresent()) {
                OutputFile out = OutputFile.create(folder.resolve(layout.indexName()));
                files.add(out);
                out.write(0, layout.index().get());
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(OutputFile::abort);
            throw e;
        }
        String[] names = layout.stored().stream().map(OutputLayout.Stored::name).toArray(String[]::new);
        return new SafetensorsSink(files, layout, names, fileOf, offsetOf, sizeOf);
    }

    private static void copy(AuxFile aux, OutputFile out) throws IOException {
        try (InputStream in = aux.open()) {
            byte[] buf = new byte[COPY_CHUNK];
            long pos = 0;
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                out.write(pos, MemorySegment.ofArray(buf).asSlice(0, n));
                pos += n;
            }
        }
    }

    @Override
    public void write(int tensor, int part, long offset, MemorySegment bytes) throws IOException {
        if (state != State.OPEN) {
            throw new IllegalStateException("output already " + state.name().toLowerCase(Locale.ROOT));
        }
        int stored = layout.storedIndex(tensor, part);
        if (stored < 0) {
            throw new IndexOutOfBoundsException("no part " + part + " of tensor " + tensor + " in this output");
        }
        long size = bytes.byteSize();
        if (offset < 0 || offset > sizeOf[stored] - size) {
            throw new IndexOutOfBoundsException("tensor " + tensorNames[stored] + ": bytes [" + offset + ", "
                    + (offset + size) + ") outside its " + sizeOf[stored] + " bytes");
        }
        fileOf[stored].write(offsetOf[stored] + offset, bytes);
        written.addAndGet(stored, size);
    }

    /**
     * Publishes every file. Refuses when a tensor has not received all its bytes (writes are
     * disjoint, so fewer bytes than its size means a range was never written).
     */
    @Override
    public synchronized void commit() throws IOException {
        if (state != State.OPEN) {
            throw new IllegalStateException("output already " + state.name().toLowerCase(Locale.ROOT));
        }
        for (int i = 0; i < sizeOf.length; i++) {
            if (written.get(i) != sizeOf[i]) {
                throw new IllegalStateException("tensor " + tensorNames[i] + ": " + written.get(i) + " of "
                        + sizeOf[i] + " bytes written");
            }
        }
        try {
            for (OutputFile f : files) {
                f.commit();
                published.add(f.target());
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        state = State.COMMITTED;
    }

    /** Deletes every temporary file, and the files a failed commit had already published. */
    @Override
    public synchronized void abort() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        files.forEach(OutputFile::abort);
        for (Path p : published) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // abort never throws; a file that cannot be deleted is all that is left
            }
        }
    }
}
