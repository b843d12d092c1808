package dev.requant.plugins.gguf;

import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GGUF files, version 3 and 2, little-endian, including split models (any shard opens them
 * all).
 *
 * <p>Tensors appear in PyTorch order: {@code ne = [in, out]} becomes shape {@code [out, in]}.
 * Plain ggml types become element types; every block-quantized ggml type becomes the encoding
 * named after it ({@code q4_k}), stored as one {@code u8 [rows, row bytes]} part. Tensor names of
 * 64 bytes or more, which ggml refuses, are accepted: nothing here depends on ggml's fixed-size
 * name field, and a recipe can rename them before writing.
 */
@Extension
public final class GgufReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(GgufReader.class);
    public static final String ID = "gguf";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "GGUF files (v3 and v2, little-endian), split files included";
    }

    /**
     * A big-endian GGUF file has the same magic; it is recognised so that {@link #open} can say
     * why it cannot be read.
     */
    @Override
    public Detection detect(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Detection.NONE;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(GgufParser.MAGIC.length);
            int n;
            do {
                n = ch.read(head);
            } while (n > 0 && head.hasRemaining());
            return !head.hasRemaining() && Arrays.equals(head.array(), GgufParser.MAGIC)
                    ? Detection.CONTAINER : Detection.NONE;
        }
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        List<GgufShards.Shard> shards = GgufShards.open(path);
        for (GgufShards.Shard s : shards) {
            GgufHeader h = s.header();
            LOG.debug("{}: GGUF v{}, {} tensors, {} key/values, alignment {}, tensor data from byte {}", h.file(),
                    h.version(), h.tensors().size(), h.kvs().size(), h.alignment(), h.dataOffset());
        }
        return GgufSource.of(shards);
    }
}
