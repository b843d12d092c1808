package dev.requant.plugins.bnb;

import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How transformers stores bitsandbytes weights ({@code Linear4bit} and {@code Linear8bitLt} state
 * dicts) and the {@code quantization_config} of {@code BitsAndBytesConfig.to_dict()}, keys sorted as
 * {@code save_pretrained} writes them. Modules left in floats are listed in
 * {@code llm_int8_skip_modules} (an empty list when there are none, rather than null, with which
 * transformers would keep {@code lm_head} in floats whether it is stored quantized or not), so that
 * transformers turns exactly the stored quantized weights into quantized layers.
 *
 * @param fourBit the 4-bit table, or empty for LLM.int8
 */
record BnbLayout(Optional<FourBitCode> fourBit) implements CheckpointLayout {
    private static final String WEIGHT_SUFFIX = "weight";

    static BnbLayout fourBit(FourBitCode code) {
        return new BnbLayout(Optional.of(code));
    }

    static BnbLayout int8() {
        return new BnbLayout(Optional.empty());
    }

    private String scheme() {
        return fourBit.map(BnbSchemeIds::fourBit).orElse(BnbSchemeIds.INT8);
    }

    /**
     * 4-bit: the codes under the weight's name, the others under {@code NAME.role}, the state under
     * {@code NAME.quant_state.bitsandbytes__nf4}. LLM.int8: {@code P.weight}, {@code P.SCB} and
     * {@code P.weight_format} for a weight {@code P.weight}.
     */
    @Override
    public List<String> partNames(TensorInfo tensor) {
        String name = tensor.name();
        if (fourBit.isEmpty()) {
            String prefix = name.substring(0, name.length() - WEIGHT_SUFFIX.length());
            return List.of(name, prefix + Int8Tensor.SCB, prefix + Int8Tensor.WEIGHT_FORMAT);
        }
        boolean nested = FourBitParams.parse(scheme(), ((Encoding) tensor.type()).params()).doubleQuant();
        List<String> names = new ArrayList<>();
        for (String role : FourBitTensor.ROLES) {
            if (!nested && (role.equals(FourBitTensor.NESTED_ABSMAX) || role.equals(FourBitTensor.NESTED_QUANT_MAP))) {
                continue;
            }
            names.add(switch (role) {
                case FourBitTensor.WEIGHT -> name;
                case FourBitTensor.QUANT_STATE -> name + ".quant_state.bitsandbytes__"
                        + fourBit.get().name().toLowerCase(Locale.ROOT);
                default -> name + "." + role;
            });
        }
        return names;
    }

    /**
     * {@code quantization_config}: one quant type and one double quantization for all 4-bit weights
     * (the config holds one value; blocks may differ, each quant_state has its own), the compute
     * dtype the first weight's dtype.
     */
    @Override
    public CheckpointConfig config(List<TensorInfo> tensors) {
        List<TensorInfo> quantized = tensors.stream()
                .filter(t -> t.type() instanceof Encoding e && e.scheme().equals(scheme())).toList();
        boolean doubleQuant = false;
        String computeDtype = "float32";
        if (fourBit.isPresent() && !quantized.isEmpty()) {
            List<FourBitParams> params = quantized.stream()
                    .map(t -> FourBitParams.parse(scheme(), ((Encoding) t.type()).params())).toList();
            doubleQuant = params.getFirst().doubleQuant();
            for (int i = 0; i < params.size(); i++) {
                if (params.get(i).doubleQuant() != doubleQuant) {
                    throw new IllegalArgumentException("bnb_4bit_use_double_quant is one setting for a whole checkpoint,"
                            + " but " + quantized.getFirst().name() + " is " + (doubleQuant ? "" : "not ")
                            + "double-quantized and " + quantized.get(i).name() + " is " + (doubleQuant ? "not" : "")
                            + " double-quantized");
                }
            }
            computeDtype = BnbDtypes.toTorch(params.getFirst().dtype());
        }
        List<String> skipped = tensors.stream()
                .filter(t -> !t.type().isQuantized() && t.shape().rank() == 2 && t.name().endsWith("." + WEIGHT_SUFFIX))
                .map(t -> "\"" + t.name().substring(0, t.name().length() - WEIGHT_SUFFIX.length() - 1) + "\"")
                .toList();
        boolean four = fourBit.isPresent();
        String config = "{\"_load_in_4bit\": " + four + ", \"_load_in_8bit\": " + !four
                + ", \"bnb_4bit_compute_dtype\": \"" + computeDtype + "\""
                + ", \"bnb_4bit_quant_storage\": \"uint8\""
                + ", \"bnb_4bit_quant_type\": \"" + fourBit.map(c -> c.name().toLowerCase(Locale.ROOT)).orElse("fp4") + "\""
                + ", \"bnb_4bit_use_double_quant\": " + doubleQuant
                + ", \"llm_int8_enable_fp32_cpu_offload\": false, \"llm_int8_has_fp16_weight\": false"
                + ", \"llm_int8_skip_modules\": " + skipped.stream().collect(Collectors.joining(", ", "[", "]"))
                + ", \"llm_int8_threshold\": 6.0, \"load_in_4bit\": " + four + ", \"load_in_8bit\": " + !four
                + ", \"quant_method\": \"bitsandbytes\"}";
        return new CheckpointConfig(Map.of("quantization_config", config), List.of());
    }
}
