package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** config.json to GGUF keys (ConfigToGguf) and back (GgufToConfig). */
class ConfigKeysTest {
    private static HfConfig config(String json) throws IOException {
        return HfConfig.of(new Metadata().putFile(AuxFile.of("config.json", json.getBytes(StandardCharsets.UTF_8))))
                .orElseThrow();
    }

    private static String llama(String extra) {
        return """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 172,
                 "num_hidden_layers": 5, "num_attention_heads": 8, "num_key_value_heads": 4,
                 "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "vocab_size": 512 %s}
                """.formatted(extra);
    }

    private static Map<String, MetaValue> keys(Architecture arch, HfConfig c) throws BadInputException {
        Metadata m = new Metadata();
        ConfigToGguf.put(arch, c, m);
        return m.values();
    }

    @Test
    void stories260KsConfigGivesTheKeysOfItsGguf() throws IOException {
        HfConfig c = config(Files.readString(SentencePieceModelTest.STORIES.resolve("config.json")));
        Map<String, MetaValue> expected = new LinkedHashMap<>();
        expected.put("general.architecture", MetaValue.str("llama"));
        expected.put("llama.block_count", MetaValue.u32(5));
        expected.put("llama.context_length", MetaValue.u32(2048));
        expected.put("llama.embedding_length", MetaValue.u32(64));
        expected.put("llama.feed_forward_length", MetaValue.u32(172));
        expected.put("llama.attention.head_count", MetaValue.u32(8));
        expected.put("llama.attention.head_count_kv", MetaValue.u32(4));
        expected.put("llama.rope.freq_base", MetaValue.f32(10000));
        expected.put("llama.attention.layer_norm_rms_epsilon", MetaValue.f32(1e-5));
        expected.put("llama.vocab_size", MetaValue.u32(512));
        expected.put("llama.rope.dimension_count", MetaValue.u32(8));
        assertThat(keys(Architecture.LLAMA, c)).containsExactlyEntriesOf(expected);
        // an f32 key holds the f32 value, as GGUF's f32 does
        assertThat(((MetaValue.Real) expected.get("llama.attention.layer_norm_rms_epsilon")).value())
                .isEqualTo(1e-5);
    }

    @Test
    void aHeadWiderThanHiddenOverHeadsGetsKeyAndValueLengths() throws IOException {
        HfConfig c = config("""
                {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 1024, "intermediate_size": 3072,
                 "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
                 "max_position_embeddings": 40960, "rms_norm_eps": 1e-06, "rope_theta": 1000000, "vocab_size": 151936,
                 "_name_or_path": "Qwen/Qwen3-0.6B"}
                """);
        Map<String, MetaValue> k = keys(Architecture.QWEN3, c);
        assertThat(k).containsEntry("general.architecture", MetaValue.str("qwen3"))
                .containsEntry("general.name", MetaValue.str("Qwen3-0.6B"))
                .containsEntry("qwen3.attention.key_length", MetaValue.u32(128))
                .containsEntry("qwen3.attention.value_length", MetaValue.u32(128))
                .containsEntry("qwen3.rope.dimension_count", MetaValue.u32(128))
                .containsEntry("qwen3.rope.freq_base", MetaValue.f32(1e6));
    }

    @Test
    void miniCpmsScalesAreLlamaCppsEmbeddingResidualAndLogitScales() throws IOException {
        HfConfig c = config(llama(", \"scale_emb\": 12, \"scale_depth\": 1.4, \"dim_model_base\": 256")
                .replace("\"hidden_size\": 64", "\"hidden_size\": 2304").replace("LlamaForCausalLM", "MiniCPMForCausalLM"));
        Map<String, MetaValue> k = keys(Architecture.MINICPM, c);
        assertThat(k).containsEntry("minicpm.embedding_scale", MetaValue.f32(12))
                .containsEntry("minicpm.residual_scale", MetaValue.f32(1.4 / Math.sqrt(5)))
                .containsEntry("minicpm.logit_scale", MetaValue.f32(9));
        assertThatThrownBy(() -> keys(Architecture.MINICPM, config(llama(""))))
                .hasMessage("config.json: has no scale_emb");
    }

    @Test
    void ropeScalingBecomesKeysOrFactorTensors() throws IOException {
        Map<String, MetaValue> linear = keys(Architecture.LLAMA,
                config(llama(", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}")));
        assertThat(linear).containsEntry("llama.rope.scaling.type", MetaValue.str("linear"))
                .containsEntry("llama.rope.scaling.factor", MetaValue.f32(4));
        Map<String, MetaValue> yarn = keys(Architecture.QWEN2, config(llama(", \"rope_scaling\": {\"rope_type\": \"yarn\","
                + " \"factor\": 4.0, \"original_max_position_embeddings\": 32768, \"beta_fast\": 32}")));
        assertThat(yarn).containsEntry("qwen2.rope.scaling.type", MetaValue.str("yarn"))
                .containsEntry("qwen2.rope.scaling.original_context_length", MetaValue.u32(32768))
                .containsEntry("qwen2.rope.scaling.yarn_beta_fast", MetaValue.f32(32));

        HfConfig llama31 = config(llama(", \"rope_theta\": 500000.0, \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}").replace("\"num_attention_heads\": 8",
                "\"num_attention_heads\": 1"));
        List<SourceTensor> extra = ConfigToGguf.put(Architecture.LLAMA, llama31, new Metadata());
        assertThat(extra).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("rope_freqs.weight"));
        float[] factors = TestModel.values(extra.getFirst(), new TestModel.Context());
        assertThat(factors).hasSize(32);
        // short wavelengths are left alone, long ones scaled by the factor, a smooth blend between
        assertThat(factors[0]).isEqualTo(1f);
        assertThat(factors[31]).isEqualTo(8f);
        for (int i = 1; i < 32; i++) {
            assertThat(factors[i]).isBetween(factors[i - 1], 8f);
        }

        HfConfig longrope = config(llama(", \"scale_emb\": 12, \"scale_depth\": 1.4, \"dim_model_base\": 256,"
                + " \"rope_scaling\": {\"type\": \"longrope\", \"long_factor\": [1, 2, 3, 4],"
                + " \"short_factor\": [1, 1, 1, 1.5]}"));
        Metadata minicpm = new Metadata();
        List<SourceTensor> factorTensors = ConfigToGguf.put(Architecture.MINICPM, longrope, minicpm);
        assertThat(minicpm.string("minicpm.rope.scaling.type")).contains("longrope");
        assertThat(factorTensors).extracting(SourceTensor::name)
                .containsExactly("rope_factors_long.weight", "rope_factors_short.weight");
        assertThat(TestModel.values(factorTensors.get(1), new TestModel.Context())).containsExactly(1, 1, 1, 1.5f);
        assertThatThrownBy(() -> ConfigToGguf.put(Architecture.LLAMA, longrope, new Metadata()))
                .hasMessage("config.json: rope_scaling type 'longrope' is handled for minicpm only, not llama");
        assertThatThrownBy(() -> keys(Architecture.LLAMA, config(llama(", \"rope_scaling\": {\"type\": \"dynamic\","
                + " \"factor\": 2}")))).isInstanceOf(BadInputException.class)
                .hasMessage("config.json: rope_scaling type 'dynamic' is not one llama.cpp reads for llama"
                        + " (linear, yarn, llama3, longrope for minicpm)");
    }

    @Test
    void missingOrMalformedValuesAreNamed() {
        assertThatThrownBy(() -> keys(Architecture.LLAMA, config(llama("").replace("\"hidden_size\": 64,", ""))))
                .hasMessage("config.json: has no hidden_size");
        assertThatThrownBy(() -> keys(Architecture.LLAMA, config(llama("").replace("\"num_hidden_layers\": 5",
                "\"num_hidden_layers\": \"five\"")))).hasMessage("config.json: num_hidden_layers is \"five\", not a"
                + " non-negative integer");
        assertThatThrownBy(() -> keys(Architecture.LLAMA, config(llama("").replace("\"num_attention_heads\": 8",
                "\"num_attention_heads\": 7")))).hasMessage("config.json: hidden_size 64 is not a multiple of"
                + " num_attention_heads 7 and there is no head_dim");
        assertThatThrownBy(() -> config("[1, 2]")).hasMessage("config.json: is not a JSON object");
        assertThatThrownBy(() -> config("{\"a\": ")).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("config.json: is not valid JSON");
    }

    /** GGUF keys to config.json and back to the same keys. */
    private static void roundTrip(Architecture arch, String configJson) throws IOException {
        Map<String, MetaValue> first = keys(arch, config(configJson));
        Metadata gguf = new Metadata();
        first.forEach(gguf::put);
        var written = GgufToConfig.build(arch, gguf, false, 512, Optional.of("float32"), false, Map.of("bos", 1L));
        assertThat(written.path("architectures").get(0).asString()).isEqualTo(arch.hfClass());
        assertThat(keys(arch, config(written.toString()))).containsExactlyEntriesOf(first);
    }

    @Test
    void configWrittenFromGgufKeysGivesTheSameKeys() throws IOException {
        roundTrip(Architecture.LLAMA, Files.readString(SentencePieceModelTest.STORIES.resolve("config.json")));
        roundTrip(Architecture.QWEN3, llama(", \"head_dim\": 32, \"rope_theta\": 1000000, \"_name_or_path\": \"x/y\","
                + " \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\":"
                + " 32768, \"attention_factor\": 0.5}"));
        roundTrip(Architecture.MINICPM, llama(", \"scale_emb\": 12, \"scale_depth\": 1.4, \"dim_model_base\": 256")
                .replace("\"hidden_size\": 64", "\"hidden_size\": 2304"));
        roundTrip(Architecture.LLAMA, llama(", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.5}"));
    }

    @Test
    void ggufWithoutTheKeysLlamaCppNeedsIsRefused() {
        Metadata gguf = new Metadata().put("llama.embedding_length", new MetaValue.Int(MetaType.U32, 64));
        assertThatThrownBy(() -> GgufToConfig.build(Architecture.LLAMA, gguf, true, 4, Optional.empty(), false, Map.of()))
                .isInstanceOf(BadInputException.class)
                .hasMessage("llama.attention.head_count: missing or not an integer: llama.cpp needs it, and so does"
                        + " config.json");
    }
}
