package dev.requant.plugins.awq;

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
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads AutoAWQ checkpoints in safetensors (one file, a folder, shards with an index) through the
 * safetensors reader. A checkpoint is AWQ when its quantization config says {@code quant_method:
 * awq} (see {@link AwqConfig}) or, without any config, when its tensors have an AWQ packing's
 * shapes: a layer with {@code qweight}, {@code qzeros} and {@code scales} and no {@code g_idx},
 * whose scales have eight columns per {@code qweight} column (GEMM) or per {@code qzeros} column
 * (GEMV).
 */
@Extension
public final class AwqReader implements FormatReader {
    private static final Logger LOG = LoggerFactory.getLogger(AwqReader.class);
    public static final String ID = "awq";
    /** A tensor only neural-compressor's export has: its layers look like AWQ GEMV ones. */
    private static final String INC_MARKER = ".scale_bf16_to_fp8";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "AWQ checkpoints (AutoAWQ GEMM and GEMV) in safetensors: one logical awq tensor per layer";
    }

    @Override
    public Detection detect(Path path, ReaderContext context) {
        return SafetensorsContainer.detect(path, context, AwqReader::holdsAwq);
    }

    @Override
    public ModelSource open(Path path, ReaderContext context) throws IOException {
        return SafetensorsContainer.open(path, context, container -> build(path, container));
    }

    private static ModelSource build(Path path, ModelSource container) throws IOException {
        Optional<AwqConfig> config;
        try {
            config = AwqConfig.find(container.metadata());
            if (config.isPresent() && !config.get().isAwq()) {
                throw BadInputException.of(path, config.get().source() + " says quant_method "
                        + config.get().method() + ", not awq");
            }
            LOG.debug("{}: {}", path, config.map(c -> "AWQ parameters from " + c.source())
                    .orElse("no quantization config: AWQ parameters from the tensors' shapes"));
            return new GroupedModel(AwqReader.ID, container, AwqTensors.of(path, container, config));
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(path, e.getMessage(), e);
        }
    }

    /** Whether the container holds this layout. */
    private static boolean holdsAwq(ModelSource container) throws IOException {
        if (container.tensors().stream().anyMatch(t -> t.name().endsWith(INC_MARKER))) {
            return false;
        }
        Optional<AwqConfig> config = configOrEmpty(container);
        if (config.isPresent()) {
            return config.get().isAwq();
        }
        return hasAwqLayer(container);
    }

    private static Optional<AwqConfig> configOrEmpty(ModelSource container) throws IOException {
        try {
            return AwqConfig.find(container.metadata());
        } catch (IllegalArgumentException unreadable) {
            // open() reports it; the tensors may still tell
            return Optional.empty();
        }
    }

    /** A layer without g_idx whose shapes are an AWQ packing's. */
    private static boolean hasAwqLayer(ModelSource container) {
        Set<String> withGroupIndex = new HashSet<>();
        for (SourceTensor t : container.tensors()) {
            if (t.name().endsWith(".g_idx")) {
                withGroupIndex.add(t.name().substring(0, t.name().length() - "g_idx".length()));
            }
        }
        for (var layer : AwqTensors.layers(container).entrySet()) {
            Map<String, StoredTensor> parts = layer.getValue();
            if (parts.size() == 3 && !withGroupIndex.contains(layer.getKey()) && AwqTensors.packingOf(
                    parts.get(AwqParts.QWEIGHT), parts.get(AwqParts.QZEROS), parts.get(AwqParts.SCALES)).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
