package dev.requant.plugins.gguf;

import dev.requant.spi.ModelSink;
import dev.requant.spi.io.OutputFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A GGUF output being written: the headers are written when it is created and the files are
 * sized to their final length (so padding is zeros without being written); tensor data then goes
 * to its position from any thread.
 */
final class GgufSink implements ModelSink {
    private final GgufLayout layout;
    private final List<OutputFile> files;
    private final List<Path> committed = new ArrayList<>();
    /** Bytes written per tensor, to refuse a commit that would publish a tensor never written. */
    private final AtomicLongArray written;

    private GgufSink(GgufLayout layout, List<OutputFile> files) {
        this.layout = layout;
        this.files = files;
        this.written = new AtomicLongArray(layout.tensorCount());
    }

    static GgufSink create(GgufLayout layout) throws IOException {
        List<OutputFile> files = new ArrayList<>();
        try {
            for (GgufLayout.ShardFile shard : layout.files()) {
                OutputFile out = OutputFile.create(shard.path());
                files.add(out);
                out.setLength(shard.length());
                out.write(0, shard.header());
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(OutputFile::abort);
            throw e;
        }
        return new GgufSink(layout, List.copyOf(files));
    }

    @Override
    public void write(int tensor, int part, long offset, MemorySegment bytes) throws IOException {
        GgufLayout.Placement p = layout.placement(tensor);
        if (part != 0) {
            throw new IllegalArgumentException("tensor " + tensor + ": GGUF tensors have one part, not part " + part);
        }
        if (offset < 0 || bytes.byteSize() > p.nbytes() - offset) {
            throw new IllegalArgumentException("tensor " + tensor + ": bytes [" + offset + ", "
                    + (offset + bytes.byteSize()) + ") are outside its " + p.nbytes() + " bytes");
        }
        files.get(p.shard()).write(p.position() + offset, bytes);
        written.addAndGet(tensor, bytes.byteSize());
    }

    @Override
    public void commit() throws IOException {
        for (int i = 0; i < layout.tensorCount(); i++) {
            long expected = layout.placement(i).nbytes();
            if (written.get(i) != expected) {
                abort();
                throw new IllegalStateException("tensor " + i + ": " + written.get(i) + " of " + expected
                        + " bytes were written; nothing was published");
            }
        }
        try {
            for (OutputFile f : files) {
                f.commit();
                committed.add(f.target());
            }
            // published whole: a later abort leaves it, as OutputFile's does
            committed.clear();
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /**
     * Does nothing after a successful commit; after a commit that failed part way it also removes
     * the shards already renamed, so that no incomplete split model is left.
     */
    @Override
    public void abort() {
        files.forEach(OutputFile::abort);
        for (Path p : committed) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // abort never throws; a shard left behind is all that can happen
            }
        }
        committed.clear();
    }
}
