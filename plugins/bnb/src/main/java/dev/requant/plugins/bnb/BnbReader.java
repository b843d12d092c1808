package dev.requant.plugins.bnb;

import dev.requant.plugins.support.GroupedModel;
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
    private static final String CONTAINER = "safetensors";

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
        try (ModelSource container = context.open(CONTAINER, path)) {
            Optional<Boolean> declared = HfQuantization.declaresBitsandbytes(container.metadata());
            boolean bnb = declared.isPresent() ? declared.get() : BnbCheckpoint.hasBnbTensors(container.tensors());
            return bnb ? Detection.LAYOUT : Detection.NONE;
        } catch (IOException | RuntimeException e) {
            return Detection.NONE;
        }
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        ModelSource container = context.open(CONTAINER, path);
        try {
            return new GroupedModel(BnbReader.ID, container, BnbCheckpoint.logicalTensors(path, container.tensors()));
        } catch (IOException | RuntimeException e) {
            container.close();
            throw e;
        }
    }
}
