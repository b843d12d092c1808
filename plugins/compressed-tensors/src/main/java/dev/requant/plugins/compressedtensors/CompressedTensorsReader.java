package dev.requant.plugins.compressedtensors;

import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.CODES;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.PACKED;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.SCALE;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.SHAPE;

import dev.requant.plugins.support.GroupedModel;
import dev.requant.plugins.support.SafetensorsContainer;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads compressed-tensors checkpoints (llm-compressor, vLLM) with integer weights in safetensors
 * (one file, a folder, shards with an index) through the safetensors reader. A checkpoint is
 * compressed-tensors when {@code config.json}'s {@code quantization_config} says
 * {@code quant_method: compressed-tensors} with compressed weights or, without a config, when a
 * layer has {@code weight_packed}, {@code weight_scale} and {@code weight_shape}, or an int8
 * {@code weight} beside a {@code weight_scale}. Formats other than pack-quantized,
 * int-quantized and naive-quantized (float-quantized, nvfp4, marlin-24, sparse) are refused with
 * their name.
 */
@Extension
public final class CompressedTensorsReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(CompressedTensorsReader.class);
    public static final String ID = "compressed-tensors";
    private static final Set<String> READ = Set.of("pack-quantized", "int-quantized", "naive-quantized",
            "mixed-precision");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "compressed-tensors integer checkpoints (pack-quantized, int-quantized, naive-quantized) in"
                + " safetensors: one logical compressed-tensors tensor per layer";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        return SafetensorsContainer.detect(path, context, CompressedTensorsReader::holdsCompressedTensors);
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container -> build(path, container));
    }

    private static ModelSource build(Path path, ModelSource container) throws IOException {
        Optional<CompressedTensorsConfig> config;
        try {
            config = CompressedTensorsConfig.find(container.metadata());
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(path, e.getMessage(), e);
        }
        if (config.isPresent()) {
            check(path, config.get());
        }
        LOG.debug("{}: {}", path, config.isPresent() ? "compressed-tensors parameters from "
                + CompressedTensorsConfig.SOURCE : "no quantization config: compressed-tensors parameters from the tensors' shapes");
        return new GroupedModel(ID, container, CompressedTensorsCheckpoint.of(path, container, config));
    }

    /** Whether the container holds this layout. */
    private static boolean holdsCompressedTensors(ModelSource container) throws IOException {
        Optional<CompressedTensorsConfig> config;
        try {
            config = CompressedTensorsConfig.find(container.metadata());
        } catch (IllegalArgumentException unreadable) {
            // open() reports it; the tensors may still tell
            config = Optional.empty();
        }
        if (config.isPresent()) {
            return config.get().isCompressedTensors() && !config.get().dense();
        }
        return hasLayer(container);
    }

    private static void check(Path path, CompressedTensorsConfig config) throws BadInputException {
        String source = CompressedTensorsConfig.SOURCE;
        if (!config.isCompressedTensors()) {
            throw BadInputException.of(path, source + " says quant_method " + (config.method().isEmpty() ? "nothing"
                    : config.method()) + ", not " + CompressedTensorsConfig.METHOD);
        }
        if (config.dense()) {
            throw BadInputException.of(path, source + " says the weights are not compressed (status "
                    + config.status() + ", formats " + config.formats() + "): read them with the safetensors reader");
        }
        Set<String> unread = new LinkedHashSet<>(config.formats());
        unread.removeAll(READ);
        if (!unread.isEmpty()) {
            throw BadInputException.of(path, source + " names the format(s) " + unread + ": only pack-quantized,"
                    + " int-quantized and naive-quantized integer weights are read");
        }
    }

    /** A layer with packed codes and their shape, or int8 codes, beside a weight_scale. */
    private static boolean hasLayer(ModelSource container) {
        for (Map<String, StoredTensor> parts : CompressedTensorsCheckpoint.layers(container).values()) {
            StoredTensor codes = parts.get(CODES);
            if (parts.containsKey(SCALE) && (parts.containsKey(PACKED) && parts.containsKey(SHAPE)
                    || codes != null && codes.parts().getFirst().spec().dtype() == ElementType.I8)) {
                return true;
            }
        }
        return false;
    }
}
