package dev.requant.plugins.mlx;

import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.file.Path;
import org.pf4j.Extension;

/**
 * Reads MLX quantized checkpoints (mlx-lm's {@code convert -q}): safetensors files, single or
 * sharded, opened through the safetensors reader. See {@link MlxCheckpoint} for how tensors are grouped
 * and {@link MlxScheme} for the encoding.
 */
@Extension
public final class MlxReader implements FormatReader {
    public static final String ID = "mlx";
    private static final String CONTAINER = "safetensors";

    private final MlxScheme scheme = new MlxScheme();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "MLX quantized safetensors (mlx-lm): uint32 weight + scales + biases per module";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        try (ModelSource container = context.open(CONTAINER, path)) {
            return MlxCheckpoint.recognises(path, container) ? Detection.LAYOUT : Detection.NONE;
        } catch (IOException | RuntimeException e) {
            return Detection.NONE;
        }
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        ModelSource container = context.open(CONTAINER, path);
        try {
            return MlxCheckpoint.open(path, container, scheme);
        } catch (IOException | RuntimeException e) {
            container.close();
            throw e;
        }
    }
}
