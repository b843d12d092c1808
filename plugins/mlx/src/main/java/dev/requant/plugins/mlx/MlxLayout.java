package dev.requant.plugins.mlx;

import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How mlx-lm stores quantized modules: {@code P.weight}, {@code P.scales}, {@code P.biases}, and
 * config.json's {@code "quantization": {"group_size": G, "bits": B, "mode": "affine"}}, repeated
 * as {@code "quantization_config"}. The setting most tensors share is the default; modules with
 * another get an entry of their own under their path, as mlx-lm records mixed precision. mlx-lm
 * quantizes a module when its scales are stored, so float modules need no entry.
 */
final class MlxLayout implements CheckpointLayout {
    @Override
    public boolean quantizesEmbeddings() {
        return true;
    }

    @Override
    public List<String> partNames(TensorInfo tensor) {
        String prefix = prefix(tensor);
        return List.of(tensor.name(), prefix + "." + MlxParts.SCALES, prefix + "." + MlxParts.BIASES);
    }

    private static String prefix(TensorInfo tensor) {
        String name = tensor.name();
        return name.substring(0, name.length() - MlxParts.WEIGHT.length() - 1);
    }

    @Override
    public CheckpointConfig config(List<TensorInfo> tensors) {
        Map<String, String> byModule = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            if (t.type() instanceof Encoding e && e.scheme().equals(MlxScheme.ID)) {
                byModule.put(prefix(t), setting(MlxParams.of(e.params())));
            }
        }
        String common = byModule.values().stream()
                .collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new, Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(setting(MlxParams.of(Map.of())));
        StringBuilder q = new StringBuilder("{").append(common);
        byModule.forEach((module, setting) -> {
            if (!setting.equals(common)) {
                q.append(", \"").append(module).append("\": {").append(setting).append('}');
            }
        });
        String json = q.append('}').toString();
        return new CheckpointConfig(Map.of("quantization", json, "quantization_config", json), List.of());
    }

    /** {@code "group_size": 64, "bits": 4, "mode": "affine"}, as mlx-lm writes a setting. */
    private static String setting(MlxParams p) {
        return "\"group_size\": " + p.group() + ", \"bits\": " + p.bits() + ", \"mode\": \"affine\"";
    }
}
