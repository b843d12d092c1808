package dev.requant.plugins.gptq;

import dev.requant.spi.AuxFile;
import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GPTQModel's checkpoint: {@code PREFIX.qweight}, {@code .qzeros}, {@code .scales} and
 * {@code .g_idx} for a tensor {@code PREFIX.weight}; {@code quantization_config} in config.json and
 * the same object as {@code quantize_config.json}, with the keys transformers and GPTQModel read
 * ({@code bits}, {@code group_size}, {@code desc_act}, {@code sym}, {@code lm_head},
 * {@code quant_method}/{@code method}, {@code checkpoint_format}/{@code format}: {@code gptq} for
 * v1, {@code gptq_v2} for v2, {@code pack_dtype}). One object describes every quantized tensor,
 * so they must share their parameters.
 */
final class GptqLayout implements CheckpointLayout {
    @Override
    public List<String> partNames(TensorInfo tensor) {
        String name = tensor.name();
        String prefix = name.endsWith(".weight") ? name.substring(0, name.length() - "weight".length()) : name + ".";
        return GptqParts.ROLES.stream().map(r -> prefix + r).toList();
    }

    @Override
    public CheckpointConfig config(List<TensorInfo> tensors) {
        GptqParams common = null;
        String first = null;
        boolean lmHead = false;
        List<String> differing = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (!(t.type() instanceof Encoding e) || !e.scheme().equals(GptqParams.SCHEME)) {
                continue;
            }
            GptqParams p = GptqParams.of(e.params());
            GptqParams shared = new GptqParams(p.bits(), p.group(), p.sym(), p.descAct(), p.format(), false);
            if (common == null) {
                common = shared;
                first = t.name();
            } else if (!common.equals(shared)) {
                differing.add(t.name() + " (" + e.id() + ")");
            }
            lmHead |= t.name().startsWith("lm_head.");
        }
        if (common == null) {
            throw new IllegalArgumentException("no tensor is gptq");
        }
        if (!differing.isEmpty()) {
            throw new IllegalArgumentException("a GPTQ quantization_config holds one bits/group/sym/format, but "
                    + String.join(", ", differing) + " differ from " + first + " (" + common.encoding().id() + ")");
        }
        String format = common.format() == GptqParams.Format.V1 ? "gptq" : "gptq_v2";
        String json = "{\"bits\": " + common.bits() + ", \"group_size\": " + common.group() + ", \"desc_act\": "
                + common.descAct() + ", \"sym\": " + common.sym() + ", \"lm_head\": " + lmHead
                + ", \"quant_method\": \"gptq\", \"method\": \"gptq\", \"checkpoint_format\": \"" + format
                + "\", \"format\": \"" + format + "\", \"pack_dtype\": \"int32\", \"meta\": {\"quantizer\": "
                + "[\"requant\"], \"static_groups\": false, \"mse\": 0.0}}";
        return new CheckpointConfig(Map.of("quantization_config", json),
                List.of(AuxFile.of("quantize_config.json", (json + "\n").getBytes(StandardCharsets.UTF_8))));
    }
}
