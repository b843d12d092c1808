package dev.requant.plugins.gptq;

import dev.requant.plugins.support.GroupedModel;
import dev.requant.plugins.support.SafetensorsContainer;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GPTQ checkpoints in safetensors (one file, a folder, shards with an index; AutoGPTQ's
 * {@code gptq_model-4bit-128g.safetensors} names too) through the safetensors reader. A checkpoint
 * is GPTQ when its quantization config says {@code quant_method: gptq} (see {@link GptqConfig} for
 * where that is looked for) or, without any config, when its tensors have GPTQ's shapes: a layer
 * with {@code qweight}, {@code qzeros} and {@code scales} whose scales have one column per
 * {@code qweight} column (AWQ's have eight), usually with a {@code g_idx}.
 *
 * <p>neural-compressor's GPTQ-compatible export ({@code scale_bf16_to_fp8} tensors) is left to
 * the inc reader: its zero points of 0 are stored differently, so the v1 rule would misread
 * them.
 */
@Extension
public final class GptqReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(GptqReader.class);
    public static final String ID = "gptq";
    /** A tensor only neural-compressor's export has. */
    private static final String INC_MARKER = ".scale_bf16_to_fp8";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "GPTQ checkpoints (AutoGPTQ, GPTQModel, v1 and v2) in safetensors: one logical gptq tensor per layer";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        return SafetensorsContainer.detect(path, context, GptqReader::holdsGptq);
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container -> build(path, container));
    }

    private static ModelSource build(Path path, ModelSource container) throws IOException {
        if (hasIncMarker(container)) {
            throw BadInputException.of(path, "a neural-compressor export (it has *" + INC_MARKER + " tensors):"
                    + " read it with the inc reader, GPTQ's v1 rule misreads its zero points of 0");
        }
        Optional<GptqConfig> config;
        try {
            config = GptqConfig.find(container.metadata());
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(path, e.getMessage(), e);
        }
        if (config.isPresent() && !config.get().isGptq()) {
            throw BadInputException.of(path, config.get().source() + " says quant_method " + config.get().method()
                    + ", not gptq");
        }
        if (config.isPresent() && !config.get().packDtype().equals("int32")) {
            throw BadInputException.of(path, config.get().source() + " says pack_dtype " + config.get().packDtype()
                    + ": only int32 is read");
        }
        LOG.debug("{}: {}", path, config.map(c -> "GPTQ parameters from " + c.source())
                .orElse("no quantization config: GPTQ parameters from the tensors' shapes"));
        List<SourceTensor> tensors = GptqTensors.of(path, container, config);
        return new GroupedModel(GptqReader.ID, container, tensors);
    }

    /** Whether the container holds this layout. */
    private static boolean holdsGptq(ModelSource container) throws IOException {
        if (hasIncMarker(container)) {
            return false;
        }
        Optional<GptqConfig> config = configOrEmpty(container);
        if (config.isPresent()) {
            return config.get().isGptq();
        }
        return hasGptqLayer(container);
    }

    private static Optional<GptqConfig> configOrEmpty(ModelSource container) throws IOException {
        try {
            return GptqConfig.find(container.metadata());
        } catch (IllegalArgumentException unreadable) {
            // open() reports it; the tensors may still tell
            return Optional.empty();
        }
    }

    private static boolean hasIncMarker(ModelSource container) {
        return container.tensors().stream().anyMatch(t -> t.name().endsWith(INC_MARKER));
    }

    /** A layer with GPTQ's parts, scales as wide as qweight. */
    private static boolean hasGptqLayer(ModelSource container) {
        for (Map<String, StoredTensor> parts : GptqTensors.layers(container).values()) {
            StoredTensor qweight = parts.get(GptqParts.QWEIGHT);
            StoredTensor scales = parts.get(GptqParts.SCALES);
            if (qweight != null && scales != null && parts.containsKey(GptqParts.QZEROS)
                    && qweight.info().shape().rank() == 2 && scales.info().shape().rank() == 2
                    && qweight.info().shape().dim(1) == scales.info().shape().dim(1)) {
                return true;
            }
        }
        return false;
    }
}
