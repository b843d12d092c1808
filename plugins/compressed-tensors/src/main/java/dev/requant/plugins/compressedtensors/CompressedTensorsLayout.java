package dev.requant.plugins.compressedtensors;

import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * llm-compressor's checkpoint: {@code PREFIX.weight_packed} (or {@code PREFIX.weight}),
 * {@code .weight_scale}, {@code .weight_zero_point}, {@code .weight_shape} for a tensor
 * {@code PREFIX.weight}; {@code quantization_config} with one config group whose {@code targets}
 * name every quantized module (so embeddings and heads are matched exactly, whatever their class)
 * and whose {@code weights} hold the shared parameters.
 */
final class CompressedTensorsLayout implements CheckpointLayout {
    @Override
    public List<String> partNames(TensorInfo tensor) {
        String prefix = module(tensor.name()) + ".";
        return CompressedTensorsParts.of(CompressedTensorsParams.of(tensor), tensor.shape().dim(0), tensor.shape().dim(1))
                .stream().map(p -> prefix + p.role()).toList();
    }

    private static String module(String name) {
        return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
    }

    @Override
    public CheckpointConfig config(List<TensorInfo> tensors) {
        CompressedTensorsParams common = null;
        String first = null;
        List<String> modules = new ArrayList<>();
        List<String> differing = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.type() instanceof Encoding e && e.scheme().equals(CompressedTensorsParams.SCHEME)) {
                CompressedTensorsParams p = CompressedTensorsParams.of(e.params());
                if (common == null) {
                    common = p;
                    first = t.name();
                } else if (!common.equals(p)) {
                    differing.add(t.name() + " (" + e.id() + ")");
                }
                modules.add(module(t.name()));
            }
        }
        if (common == null) {
            throw new IllegalArgumentException("no tensor is compressed-tensors");
        }
        if (!differing.isEmpty()) {
            throw new IllegalArgumentException("requant writes one compressed-tensors config group, but "
                    + String.join(", ", differing) + " differ from " + first + " (" + common.encoding().id() + ")");
        }
        String format = common.format().id();
        String targets = modules.stream().map(m -> "\"" + m + "\"").collect(Collectors.joining(", ", "[", "]"));
        String weights = "{\"num_bits\": " + common.bits() + ", \"type\": \"int\", \"symmetric\": " + common.sym()
                + ", \"strategy\": \"" + common.strategy().id() + "\", \"group_size\": "
                + (common.strategy() == CompressedTensorsParams.Strategy.GROUP ? Integer.toString(common.group()) : "null")
                + ", \"block_structure\": null, \"dynamic\": false, \"actorder\": null, \"observer\": \"minmax\","
                + " \"observer_kwargs\": {}}";
        String json = "{\"quant_method\": \"compressed-tensors\", \"format\": \"" + format + "\","
                + " \"quantization_status\": \"compressed\", \"config_groups\": {\"group_0\": {\"targets\": " + targets
                + ", \"weights\": " + weights + ", \"input_activations\": null, \"output_activations\": null,"
                + " \"format\": \"" + format + "\"}}, \"ignore\": [], \"kv_cache_scheme\": null,"
                + " \"global_compression_ratio\": null, \"sparsity_config\": {}, \"transform_config\": {}}";
        return new CheckpointConfig(Map.of("quantization_config", json), List.of());
    }
}
