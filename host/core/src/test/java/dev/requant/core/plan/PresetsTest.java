package dev.requant.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Fakes;
import dev.requant.core.job.RecipeCompiler;
import dev.requant.core.plugin.Registry;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.QuantizeSpec;
import dev.requant.core.recipe.RecipeLoader;
import dev.requant.core.types.Codecs;
import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The llama.cpp presets of config/presets give, tensor by tensor, the types llama.cpp's
 * {@code llama_tensor_get_type_impl} gives. The expectations below are written from llama.cpp's
 * rules (src/llama-quant.cpp @007dbbf3), independently of the YAML files.
 */
class PresetsTest {
    private static final Path PRESETS = Path.of(System.getProperty("requant.config")).resolve("presets");

    /** Block schemes with llama.cpp's block sizes and shape fallbacks; no data is touched. */
    private static final Registry SCHEMES = Registry.of(List.of(
            scheme("q2_k", 256, "q4_0"), scheme("q3_k", 256, "q4_0"), scheme("q4_k", 256, "q5_0"),
            scheme("q5_k", 256, "q5_1"), scheme("q6_k", 256, "q8_0"), scheme("q8_0", 32, null),
            scheme("q4_0", 32, null), scheme("q5_0", 32, null), scheme("q5_1", 32, null),
            scheme("iq4_nl", 32, null), scheme("iq4_xs", 256, "iq4_nl")));

    private static Fakes.Half4 scheme(String id, int block, String fallback) {
        return new Fakes.Half4(id, block, fallback) { };
    }

    /** A llama-shaped model in GGUF names: n layers, hidden 4096, 11008 ffn, heads/kvHeads heads. */
    private static ModelSource llama(String arch, int n, int heads, int kvHeads, int experts, boolean output) {
        Metadata meta = new Metadata().put("general.architecture", MetaValue.str(arch))
                .put(arch + ".block_count", MetaValue.u32(n))
                .put(arch + ".attention.head_count", MetaValue.u32(heads))
                .put(arch + ".attention.head_count_kv", MetaValue.u32(kvHeads))
                .put(arch + ".expert_count", MetaValue.u32(experts));
        int hidden = 4096;
        int kv = hidden / heads * kvHeads;
        List<SourceTensor> tensors = new ArrayList<>();
        tensors.add(tensor("token_embd.weight", 32000, hidden));
        tensors.add(tensor("output_norm.weight", hidden));
        if (output) {
            tensors.add(tensor("output.weight", 32000, hidden));
        }
        for (int i = 0; i < n; i++) {
            String b = "blk." + i + ".";
            tensors.add(tensor(b + "attn_norm.weight", hidden));
            tensors.add(tensor(b + "attn_q.weight", hidden, hidden));
            tensors.add(tensor(b + "attn_k.weight", kv, hidden));
            tensors.add(tensor(b + "attn_v.weight", kv, hidden));
            tensors.add(tensor(b + "attn_output.weight", hidden, hidden));
            tensors.add(tensor(b + "ffn_norm.weight", hidden));
            tensors.add(tensor(b + "ffn_gate.weight", 11008, hidden));
            tensors.add(tensor(b + "ffn_up.weight", 11008, hidden));
            tensors.add(tensor(b + "ffn_down.weight", hidden, 11008));
        }
        return new ModelSource() {
            @Override
            public String format() {
                return "test";
            }

            @Override
            public Metadata metadata() {
                return meta;
            }

            @Override
            public List<SourceTensor> tensors() {
                return tensors;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Weight matrices in f16, 1-D tensors in f32, as convert_hf_to_gguf writes them; values never read. */
    private static SourceTensor tensor(String name, long... dims) {
        ElementType type = dims.length == 1 ? ElementType.F32 : ElementType.F16;
        TensorInfo info = new TensorInfo(name, Shape.of(dims), type);
        return new ComputedTensor() {
            @Override
            public TensorInfo info() {
                return info;
            }

            @Override
            public void rows(long firstRow, int rows, float[] dst, int dstOffset) {
                throw new AssertionError("planning reads no values");
            }
        };
    }

    private static Map<String, String> plan(String preset, ModelSource model) {
        RecipeCompiler compiler = new RecipeCompiler(SCHEMES, PRESETS, new RecipeLoader());
        Location at = new Location("test", 1, 1);
        Quantization q = compiler.quantization(new Located<>(new QuantizeSpec(new Located<>(preset, at), null,
                List.of(), null), at));
        Planner planner = new Planner(new Codecs(SCHEMES), List.of(ElementType.F16));
        Map<String, String> types = new LinkedHashMap<>();
        for (var e : planner.plan(model, Path.of("x.mem"), new Fakes.MemoryWriter(), Map.of(), q).entries()) {
            types.put(e.target().name(), e.target().type().id());
        }
        assertThat(q.label()).contains(preset.toUpperCase(java.util.Locale.ROOT));
        return types;
    }

    /** llama.cpp's choice for a llama model without experts, not Falcon, not 70B. */
    private static String llamaCpp(String ftype, String name, int n, int gqa, boolean tied) {
        String def = switch (ftype) {
            case "q2_k" -> "q2_k";
            case "q3_k_m" -> "q3_k";
            case "q4_k_m" -> "q4_k";
            default -> "q5_k";
        };
        if (name.endsWith("_norm.weight")) {
            return "f32";
        }
        if (name.equals("output.weight") || (tied && name.equals("token_embd.weight"))) {
            return "q6_k";
        }
        int i = name.startsWith("blk.") ? Integer.parseInt(name.split("\\.")[1]) : -1;
        boolean moreBits = i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
        if (name.contains("attn_v.weight")) {
            return switch (ftype) {
                case "q2_k" -> gqa >= 4 ? "q4_k" : "q3_k";
                case "q3_k_m" -> i < 2 ? "q5_k" : "q4_k";
                default -> moreBits ? "q6_k" : def;
            };
        }
        if (name.contains("ffn_down")) {
            return switch (ftype) {
                case "q2_k" -> "q3_k";
                case "q3_k_m" -> i < n / 16 ? "q5_k" : "q4_k";
                default -> moreBits ? "q6_k" : def;
            };
        }
        if (name.contains("attn_output.weight")) {
            return switch (ftype) {
                case "q2_k" -> "q3_k";
                case "q3_k_m" -> "q4_k";
                default -> def;
            };
        }
        return def;
    }

    @ParameterizedTest(name = "{0}, {1} layers, GQA {2}, output {3}")
    @CsvSource({
        "q4_k_m, 32, 4, true", "q5_k_m, 32, 4, true", "q3_k_m, 32, 4, true", "q2_k, 32, 4, true",
        "q2_k, 32, 1, true", "q4_k_m, 28, 4, true", "q4_k_m, 32, 4, false", "q3_k_m, 40, 8, false"})
    void everyTensorGetsLlamaCppsType(String ftype, int n, int gqa, boolean output) {
        Map<String, String> types = plan(ftype, llama("llama", n, 32, 32 / gqa, 0, output));
        assertThat(types).hasSize(n * 9 + (output ? 3 : 2));
        for (var e : types.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).isEqualTo(llamaCpp(ftype, e.getKey(), n, gqa, !output));
        }
    }

    @ParameterizedTest
    @CsvSource({"q4_k_m", "q5_k_m", "q3_k_m", "q2_k", "q3_k_s", "q3_k_l", "q4_k_s", "q5_k_s", "q6_k", "q4_0", "iq4_nl",
        "iq4_xs"})
    void eightExpertModelsGiveAttentionVAndKEightBits(String ftype) {
        Map<String, String> types = plan(ftype, llama("llama", 32, 32, 8, 8, true));
        assertThat(types.get("blk.5.attn_v.weight")).isEqualTo("q8_0");
        assertThat(types.get("blk.5.attn_k.weight")).isEqualTo("q8_0");
        assertThat(types.get("output.weight")).isEqualTo("q6_k");
    }

    @ParameterizedTest
    @CsvSource({"q4_k_m, 0, q6_k", "q4_k_m, 1, q6_k", "q4_k_m, 2, q5_k", "q4_k_m, 3, q5_k", "q4_k_m, 4, q4_k", "q3_k_m, 1, q5_k",
        "q3_k_m, 5, q3_k", "q3_k_m, 6, q4_k"})
    void falconFfnDown(String ftype, int layer, String type) {
        // 32 layers: n/16 = 2, more bits at 0-3, 6, 9, ..., 28-31
        Map<String, String> types = plan(ftype, llama("falcon", 32, 32, 32, 0, true));
        assertThat(types.get("blk." + layer + ".ffn_down.weight")).isEqualTo(type);
        assertThat(types.get("output.weight")).isEqualTo("q8_0");
    }

    @ParameterizedTest
    @CsvSource({"q4_k_m, 1, q6_k", "q4_k_m, 10, q5_k", "q3_k_m, 4, q5_k", "q2_k, 4, q5_k", "q4_k_s, 9, q5_k"})
    void seventyBillionLlamaAttentionV(String ftype, int layer, String type) {
        assertThat(plan(ftype, llama("llama", 80, 64, 8, 0, true)).get("blk." + layer + ".attn_v.weight")).isEqualTo(type);
    }
}
