package dev.requant.plugins.bnb;

import dev.requant.plugins.support.GroupedModel;
import dev.requant.plugins.support.SafetensorsContainer;
import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * Reads bitsandbytes checkpoints saved by transformers in safetensors (a file, a folder, shards
 * with an index): the files are opened by the safetensors reader, through the host; this reader
 * groups each quantized weight's tensors into one logical tensor (see {@link BnbCheckpoint}).
 *
 * <p>Detection: config.json's {@code quantization_config} decides when there is one (bitsandbytes:
 * this layout; another method: another reader's); without it, tensor names such as
 * {@code *.weight.quant_state.bitsandbytes__nf4}, {@code *.weight.absmax} or {@code *.SCB} do.
 */
@Extension
public final class BnbReader implements FormatReader {
    public static final String ID = "bnb";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "bitsandbytes checkpoints (NF4, FP4, double quantization, LLM.int8) in safetensors files";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        return SafetensorsContainer.detect(path, context, container -> {
            Optional<Boolean> declared = HfQuantization.declaresBitsandbytes(container.metadata());
            return declared.isPresent() ? declared.get() : BnbCheckpoint.hasBnbTensors(container.tensors());
        });
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container ->
                new GroupedModel(ID, container, BnbCheckpoint.logicalTensors(path, container.tensors())));
    }
}
