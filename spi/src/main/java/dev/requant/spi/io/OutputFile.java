package dev.requant.spi.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A file written under a temporary name in its target folder and renamed to its final name only
 * by {@link #commit()}: a failed or interrupted run leaves no partial output behind. Positional
 * writes from several threads at once are safe for disjoint ranges.
 */
public final class OutputFile implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean done;

    private OutputFile(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Creates the temporary file beside {@code target}, creating missing folders. */
    public static OutputFile create(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".part");
        try {
            FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ);
            return new OutputFile(abs, temp, ch);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    public Path target() {
        return target;
    }

    /** Writes all of {@code bytes} at {@code position}. */
    public void write(long position, MemorySegment bytes) throws IOException {
        ByteBuffer buf = bytes.asByteBuffer();
        long pos = position;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /** Writes all of {@code bytes} at {@code position}. */
    public void write(long position, byte[] bytes) throws IOException {
        write(position, MemorySegment.ofArray(bytes));
    }

    /**
     * Sets the final length before data is written: the file is cut, or extended with zeros
     * (sparsely) so that padding at its end need not be written.
     */
    public void setLength(long length) throws IOException {
        if (channel.size() > length) {
            channel.truncate(length);
        } else if (channel.size() < length) {
            // a write of one byte at the end extends the file sparsely
            channel.write(ByteBuffer.allocate(1), length - 1);
        }
    }

    /**
     * Flushes to disk and renames the temporary file to the target, replacing it. The file gets
     * the usual permissions of a new file ({@code rw-r--r--}), not the private ones of a temp file.
     */
    public void commit() throws IOException {
        channel.force(true);
        channel.close();
        if (Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        done = true;
    }

    /** Deletes the temporary file; does nothing after a commit. Never throws. */
    public void abort() {
        if (done) {
            return;
        }
        done = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next; a close failure changes nothing
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // nothing more can be done; the temp name starts with '.' and ends with '.part'
        }
    }

    /** Aborts unless committed. */
    @Override
    public void close() {
        abort();
    }
}
