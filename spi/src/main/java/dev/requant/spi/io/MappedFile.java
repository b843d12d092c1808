package dev.requant.spi.io;

import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only into memory, shared between threads, unmapped on {@link #close()}.
 * Readers hand out slices of it as tensor data; nothing is copied onto the heap.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    public static MappedFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg.asReadOnly());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The whole file, read-only. */
    public MemorySegment segment() {
        return segment;
    }

    public long size() {
        return segment.byteSize();
    }

    /**
     * The bytes {@code [offset, offset + length)}, or a {@link BadInputException} naming
     * {@code what} when they are not all inside the file.
     */
    public MemorySegment slice(long offset, long length, String what) throws BadInputException {
        if (offset < 0 || length < 0 || offset > size() || length > size() - offset) {
            throw BadInputException.at(path, offset, what + " needs " + length + " bytes but the file has "
                    + Math.max(0, size() - Math.max(0, offset)) + " left (file size " + size() + ")");
        }
        return segment.asSlice(offset, length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
