package dev.requant.plugins.inc;

import dev.requant.plugins.support.SafetensorsContainer;
import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.file.Path;
import org.pf4j.Extension;

/**
 * Reads Intel neural-compressor weight-only exports (GPTQ-compatible and native) in safetensors
 * files, single or sharded, opened through the safetensors reader; recognises and refuses
 * intel-extension-for-transformers' 1-D blob weights. See {@link IncCheckpoint} and {@link IncScheme}.
 */
@Extension
public final class IncReader implements FormatReader {
    public static final String ID = "inc";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Intel neural-compressor weight-only exports (GPTQ-compatible, native); refuses ITREX 1-D blobs";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        return SafetensorsContainer.detect(path, context, IncCheckpoint::recognises);
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container -> IncCheckpoint.open(path, container));
    }
}
