package org.example.requant.npy;

import dev.requant.spi.ModelSink;
import dev.requant.spi.io.OutputFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An {@code .npz} being written: the file has its final length and every {@code .npy} header from
 * the start; array bytes go straight to their offsets from any number of threads. Each write's
 * CRC-32 is kept by offset, so that {@link #commit()} can both check that every byte of every
 * array was written exactly once and get each member's CRC (see {@link Crc32#combine}), then
 * write the local headers and the central directory that hold them.
 */
final class NpzSink implements ModelSink {
    private enum State { OPEN, COMMITTED, ABORTED }

    /** The CRC-32 of one write. */
    private record Chunk(long length, int crc) {
    }

    private final NpzLayout layout;
    private final OutputFile out;
    private final List<ConcurrentSkipListMap<Long, Chunk>> chunks;
    private volatile State state = State.OPEN;

    private NpzSink(NpzLayout layout, OutputFile out) {
        this.layout = layout;
        this.out = out;
        this.chunks = new ArrayList<>();
        for (int i = 0; i < layout.members().size(); i++) {
            chunks.add(new ConcurrentSkipListMap<>());
        }
    }

    static NpzSink create(Path path, NpzLayout layout) throws IOException {
        OutputFile out = OutputFile.create(path);
        try {
            out.setLength(layout.length());
            for (NpzLayout.Member m : layout.members()) {
                out.write(m.npyOffset(), m.npyHeader());
            }
        } catch (IOException | RuntimeException e) {
            out.abort();
            throw e;
        }
        return new NpzSink(layout, out);
    }

    @Override
    public void write(int tensor, int part, long offset, MemorySegment bytes) throws IOException {
        checkOpen();
        int count = layout.members().size();
        if (tensor < 0 || tensor >= count || part != 0) {
            throw new IndexOutOfBoundsException("no part " + part + " of tensor " + tensor + " in this output ("
                    + count + " tensors, one part each)");
        }
        NpzLayout.Member m = layout.members().get(tensor);
        long size = bytes.byteSize();
        if (offset < 0 || offset > m.dataSize() - size) {
            throw new IndexOutOfBoundsException("tensor " + m.tensor() + ": bytes [" + offset + ", " + (offset + size)
                    + ") outside its " + m.dataSize() + " bytes");
        }
        if (size == 0) {
            return;
        }
        out.write(m.dataOffset() + offset, bytes);
        if (chunks.get(tensor).putIfAbsent(offset, new Chunk(size, Crc32.of(bytes))) != null) {
            throw new IllegalStateException("tensor " + m.tensor() + ": bytes at offset " + offset + " written twice");
        }
    }

    /** Refuses, leaving the output open for {@link #abort()}, when an array is not written exactly once. */
    @Override
    public synchronized void commit() throws IOException {
        checkOpen();
        List<NpzLayout.Member> members = layout.members();
        int[] crcs = new int[members.size()];
        for (int i = 0; i < crcs.length; i++) {
            crcs[i] = memberCrc(members.get(i), chunks.get(i));
        }
        try {
            for (int i = 0; i < crcs.length; i++) {
                out.write(members.get(i).localHeaderOffset(), layout.localHeader(i, crcs[i]));
            }
            out.write(layout.centralOffset(), layout.tail(crcs));
            out.commit();
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        state = State.COMMITTED;
    }

    /** The CRC of the .npy header followed by the chunks, which must tile the array exactly. */
    private static int memberCrc(NpzLayout.Member m, ConcurrentSkipListMap<Long, Chunk> written) {
        int crc = Crc32.of(m.npyHeader());
        long next = 0;
        for (Map.Entry<Long, Chunk> e : written.entrySet()) {
            long at = e.getKey();
            if (at != next) {
                throw new IllegalStateException("tensor " + m.tensor() + ": " + (at > next
                        ? "bytes [" + next + ", " + at + ") were never written"
                        : "bytes at offset " + at + " overlap an earlier write"));
            }
            Chunk c = e.getValue();
            crc = Crc32.combine(crc, c.crc(), c.length());
            next += c.length();
        }
        if (next != m.dataSize()) {
            throw new IllegalStateException("tensor " + m.tensor() + ": bytes [" + next + ", " + m.dataSize()
                    + ") were never written");
        }
        return crc;
    }

    @Override
    public synchronized void abort() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        out.abort();
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("output already " + state.name().toLowerCase(Locale.ROOT));
        }
    }
}
