package org.example.requant.npy;

import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads NumPy arrays: a {@code .npz} archive as {@code numpy.savez} writes it (a ZIP of STORED
 * {@code NAME.npy} members, ZIP64 included) or a single {@code .npy} file. See {@link NpzModel}
 * for the tensors it gives and {@link NpyHeader} for the dtypes it accepts.
 */
@Extension
public final class NpzReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(NpzReader.class);
    public static final String ID = "npz";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "NumPy: a .npz archive of arrays (numpy.savez, uncompressed) or a single .npy array";
    }

    /** An .npy magic, or a ZIP whose first member is a {@code .npy}. */
    @Override
    public Detection detect(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Detection.NONE;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = read(ch, 0, Zip.LOCAL_HEADER_SIZE);
            if (startsWith(head, NpyHeader.MAGIC)) {
                return Detection.CONTAINER;
            }
            MemorySegment local = MemorySegment.ofBuffer(head);
            if (local.byteSize() < Zip.LOCAL_HEADER_SIZE || LittleEndian.u32(local, 0) != Zip.LOCAL_HEADER_SIG) {
                return Detection.NONE;
            }
            int nameLength = LittleEndian.u16(local, 26);
            ByteBuffer name = read(ch, Zip.LOCAL_HEADER_SIZE, nameLength);
            boolean npy = name.remaining() == nameLength
                    && StandardCharsets.ISO_8859_1.decode(name).toString().endsWith(NpzModel.NPY_SUFFIX);
            return npy ? Detection.CONTAINER : Detection.NONE;
        }
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        NpzModel model = NpzModel.open(path);
        LOG.debug("{}: {} array(s)", path, model.tensors().size());
        return model;
    }

    private static boolean startsWith(ByteBuffer head, byte[] prefix) {
        return head.remaining() >= prefix.length
                && Arrays.equals(head.array(), 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Up to {@code length} bytes at {@code position}; fewer at the end of the file. */
    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining() && ch.read(buf, position + buf.position()) > 0) {
            // a channel may return fewer bytes than asked before the end of the file
        }
        return buf.flip();
    }
}
