package dev.requant.spi;

import java.util.List;
import java.util.Map;

/**
 * What a quantization adds to a checkpoint folder: top-level entries of {@code config.json} (key
 * to JSON value text, e.g. {@code quantization_config}) and the quantizer's own side files (e.g.
 * AutoGPTQ's {@code quantize_config.json}). A writer replaces any quantization the source folder
 * described with these.
 */
public record CheckpointConfig(Map<String, String> configEntries, List<AuxFile> sideFiles) {
    public CheckpointConfig {
        configEntries = Map.copyOf(configEntries);
        sideFiles = List.copyOf(sideFiles);
    }
}
