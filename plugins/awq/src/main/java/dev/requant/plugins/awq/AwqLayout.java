package dev.requant.plugins.awq;

import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AutoAWQ's checkpoint: {@code PREFIX.qweight}, {@code .qzeros} and {@code .scales} for a tensor
 * {@code PREFIX.weight}, and {@code quantization_config} in config.json as AutoAWQ's
 * {@code to_transformers_dict} writes it ({@code quant_method}, {@code zero_point}, {@code group_size},
 * {@code bits}, {@code version}, {@code modules_to_not_convert}); no side file. One object describes
 * every quantized tensor, so they must share their parameters.
 */
final class AwqLayout implements CheckpointLayout {
    @Override
    public List<String> partNames(TensorInfo tensor) {
        String name = tensor.name();
        String prefix = name.endsWith(".weight") ? name.substring(0, name.length() - "weight".length()) : name + ".";
        return List.of(prefix + AwqParts.QWEIGHT, prefix + AwqParts.QZEROS, prefix + AwqParts.SCALES);
    }

    @Override
    public CheckpointConfig config(List<TensorInfo> tensors) {
        AwqParams common = null;
        String first = null;
        List<String> differing = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.type() instanceof Encoding e && e.scheme().equals(AwqParams.SCHEME)) {
                AwqParams p = AwqParams.of(e.params());
                if (common == null) {
                    common = p;
                    first = t.name();
                } else if (!common.equals(p)) {
                    differing.add(t.name() + " (" + e.id() + ")");
                }
            }
        }
        if (common == null) {
            throw new IllegalArgumentException("no tensor is awq");
        }
        if (!differing.isEmpty()) {
            throw new IllegalArgumentException("an AWQ quantization_config holds one group and version, but "
                    + String.join(", ", differing) + " differ from " + first + " (" + common.encoding().id() + ")");
        }
        String json = "{\"quant_method\": \"awq\", \"zero_point\": true, \"group_size\": " + common.group()
                + ", \"bits\": " + common.bits() + ", \"version\": \"" + common.version().id()
                + "\", \"modules_to_not_convert\": null}";
        return new CheckpointConfig(Map.of("quantization_config", json), List.of());
    }
}
