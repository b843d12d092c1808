package dev.requant.plugins.mlx;

import dev.requant.plugins.support.SafetensorsContainer;
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
        return SafetensorsContainer.detect(path, context, container -> MlxCheckpoint.recognises(path, container));
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container -> MlxCheckpoint.open(path, container));
    }
}
