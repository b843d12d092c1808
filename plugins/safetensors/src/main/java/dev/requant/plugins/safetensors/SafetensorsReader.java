package dev.requant.plugins.safetensors;

import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads safetensors checkpoints: a single file, a folder (through its index when it has one) or an
 * index file. See {@link SafetensorsFile} for what is checked and {@link CheckpointFiles} for which
 * files are read.
 */
@Extension
public final class SafetensorsReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsReader.class);
    public static final String ID = "safetensors";

    /** How far into a header detection looks for its opening brace. */
    private static final int SNIFF_BYTES = 4096;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "safetensors: a single file, or a folder of shards with model.safetensors.index.json";
    }

    @Override
    public Detection detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return detectFolder(path);
        }
        if (!Files.isRegularFile(path)) {
            return Detection.NONE;
        }
        if (path.getFileName().toString().endsWith(ShardIndex.SUFFIX)) {
            return startsWithBrace(path) ? Detection.CONTAINER : Detection.NONE;
        }
        return looksLikeWeights(path) ? Detection.CONTAINER : Detection.NONE;
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        CheckpointFiles files = CheckpointFiles.locate(path);
        SafetensorsModel model = SafetensorsModel.open(files);
        LOG.debug("{}: {} tensors in {} weight file(s){}; side files: {}", path, model.tensors().size(),
                files.weights().size(), files.index().map(i -> " listed in " + i.file().getFileName()).orElse(""),
                files.withSideFiles() ? model.metadata().files().keySet()
                        : "none (a lone weight file, outside a folder with config.json)");
        return model;
    }

    private static Detection detectFolder(Path folder) throws IOException {
        Optional<Path> index;
        try {
            index = CheckpointFiles.findIndex(folder);
        } catch (IOException severalIndexes) {
            // still a safetensors folder; open() says which index to choose
            return Detection.CONTAINER;
        }
        if (index.isPresent()) {
            return Detection.CONTAINER;
        }
        List<Path> weights = CheckpointFiles.weightFiles(folder);
        for (Path p : weights) {
            if (looksLikeWeights(p)) {
                return Detection.CONTAINER;
            }
        }
        return Detection.NONE;
    }

    /**
     * A plausible header length (room for at least {@code {}}, within the reader's limit) followed
     * by {@code '{'}, after optional JSON whitespace. A length past the end of the file still counts:
     * such a file is a damaged safetensors file, and {@link #open} says exactly what is wrong.
     */
    private static boolean looksLikeWeights(Path file) throws IOException {
        ByteBuffer head = readPrefix(file, 8 + SNIFF_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (head.remaining() < 10) {
            return false;
        }
        long n = head.getLong();
        return n >= 2 && n <= SafetensorsFile.MAX_HEADER_LENGTH && opensObject(head);
    }

    private static boolean startsWithBrace(Path file) throws IOException {
        return opensObject(readPrefix(file, SNIFF_BYTES));
    }

    /** The first byte after JSON whitespace is {@code '{'}. */
    private static boolean opensObject(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            byte b = buf.get();
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{';
            }
        }
        return false;
    }

    /** Up to {@code limit} bytes from the start of a file, ready to read. */
    private static ByteBuffer readPrefix(Path file, int limit) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(limit);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // a channel may return fewer bytes than asked before the end of the file
            }
        }
        return buf.flip();
    }
}
