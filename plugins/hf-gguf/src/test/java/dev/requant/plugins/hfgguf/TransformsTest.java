package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** hf-to-gguf and gguf-to-hf on small in-memory models with stories260K's tokenizer. */
class TransformsTest {
    private final TestModel.Context context = new TestModel.Context();

    /** A llama with hidden 16, 4 heads of 4, 2 KV heads, 2 layers and stories260K's 512 tokens. */
    private static TestModel llama(String architecture, boolean tied) throws IOException {
        TestModel m = new TestModel()
                .file("config.json", """
                        {"architectures": ["%s"], "hidden_size": 16, "intermediate_size": 32,
                         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                         "max_position_embeddings": 256, "rms_norm_eps": 1e-06, "vocab_size": 512,
                         "tie_word_embeddings": %s, "scale_emb": 12, "scale_depth": 1.4, "dim_model_base": 4}
                        """.formatted(architecture, tied))
                .file("tokenizer.model", Files.readAllBytes(SentencePieceModelTest.STORIES.resolve("tokenizer.model")))
                .file("tokenizer_config.json", Files.readString(SentencePieceModelTest.STORIES.resolve("tokenizer_config.json")));
        m.f32("model.embed_tokens.weight", 512, 16);
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            m.f16(p + "input_layernorm.weight", 16);
            m.f32(p + "self_attn.q_proj.weight", 16, 16);
            m.f32(p + "self_attn.k_proj.weight", 8, 16);
            m.f32(p + "self_attn.v_proj.weight", 8, 16);
            m.f32(p + "self_attn.o_proj.weight", 16, 16);
            m.f16(p + "post_attention_layernorm.weight", 16);
            m.f32(p + "mlp.gate_proj.weight", 32, 16);
            m.f32(p + "mlp.up_proj.weight", 32, 16);
            m.f32(p + "mlp.down_proj.weight", 16, 32);
        }
        m.f32("model.norm.weight", 16);
        if (!tied) {
            m.f32("lm_head.weight", 512, 16);
        }
        return m;
    }

    private static Map<String, SourceTensor> byName(ModelSource m) {
        return m.tensors().stream().collect(Collectors.toMap(SourceTensor::name, Function.identity()));
    }

    @Test
    void aHuggingFaceLlamaBecomesWhatLlamaCppReads() throws IOException {
        TestModel hf = llama("LlamaForCausalLM", false);
        ModelSource gguf = new HfToGguf().apply(hf, context);
        Map<String, SourceTensor> t = byName(gguf);
        assertThat(t.keySet()).hasSize(21).contains("token_embd.weight", "output.weight", "output_norm.weight",
                "blk.1.attn_q.weight", "blk.1.attn_k.weight", "blk.0.ffn_down.weight", "blk.0.attn_norm.weight");
        // untouched tensors are the source's bytes under a new name
        StoredTensor down = (StoredTensor) t.get("blk.0.ffn_down.weight");
        StoredTensor source = (StoredTensor) byName(hf).get("model.layers.0.mlp.down_proj.weight");
        assertThat(down.parts().getFirst().data().address()).isEqualTo(source.parts().getFirst().data().address());
        // Q by 4 heads, K by 2: each head's rows interleaved from its two halves
        float[] q = TestModel.values(t.get("blk.1.attn_q.weight"), context);
        float[] hq = TestModel.values(byName(hf).get("model.layers.1.self_attn.q_proj.weight"), context);
        assertThat(java.util.Arrays.copyOfRange(q, 16, 32)).containsExactly(java.util.Arrays.copyOfRange(hq, 32, 48));
        RopePermutation k = (RopePermutation) t.get("blk.0.attn_k.weight");
        assertThat(java.util.stream.LongStream.range(0, 8).map(k::sourceIndex).toArray())
                .containsExactly(0, 2, 1, 3, 4, 6, 5, 7);
        // f16 norms are offered as f32, as llama.cpp's converter writes them
        assertThat(t.get("blk.0.attn_norm.weight").info().type()).isEqualTo(ElementType.F32);
        assertThat(TestModel.values(t.get("blk.0.attn_norm.weight"), context))
                .containsExactly(TestModel.values(byName(hf).get("model.layers.0.input_layernorm.weight"), context));
        assertThat(gguf.metadata().string("general.architecture")).contains("llama");
        assertThat(gguf.metadata().string("tokenizer.ggml.model")).contains("llama");
        assertThat(gguf.metadata().integer("llama.attention.head_count_kv")).contains(2L);
        assertThat(gguf.metadata().files()).isEmpty();
        assertThat(gguf.format()).isEqualTo("test+hf-to-gguf");
        gguf.close();
        assertThat(hf.closed).isTrue();
    }

    @Test
    void qwenKeepsHuggingFacesLayoutAndTiedEmbeddingsHaveNoOutput() throws IOException {
        TestModel hf = llama("Qwen2ForCausalLM", true);
        hf.f16("model.layers.0.self_attn.q_proj.bias", 16);
        hf.f32("model.rotary_emb.inv_freq", 2);
        Map<String, SourceTensor> t = byName(new HfToGguf().apply(hf, context));
        assertThat(t).doesNotContainKeys("output.weight", "model.rotary_emb.inv_freq");
        assertThat(t.get("blk.0.attn_q.weight")).isInstanceOf(StoredTensor.class);
        assertThat(t.get("blk.0.attn_q.bias").info().type()).isEqualTo(ElementType.F32);
    }

    @Test
    void miniCpmHasItsScalesAndPermutedQk() throws IOException {
        ModelSource gguf = new HfToGguf().apply(llama("MiniCPMForCausalLM", true), context);
        assertThat(gguf.metadata().string("general.architecture")).contains("minicpm");
        assertThat(gguf.metadata().get("minicpm.logit_scale")).isPresent();
        assertThat(byName(gguf).get("blk.0.attn_q.weight")).isInstanceOf(RopePermutation.class);
    }

    @Test
    void whatItDoesNotKnowIsRefusedNamingIt() throws IOException {
        assertThatThrownBy(() -> new HfToGguf().apply(llama("GPT2LMHeadModel", false), context))
                .isInstanceOf(BadInputException.class)
                .hasMessage("config.json: architecture GPT2LMHeadModel is not one hf-to-gguf converts (LlamaForCausalLM,"
                        + " MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, MiniCPMForCausalLM)");
        TestModel extra = llama("LlamaForCausalLM", false).f32("model.layers.0.mlp.experts.0.w1.weight", 4, 4);
        assertThatThrownBy(() -> new HfToGguf().apply(extra, context))
                .hasMessage("config.json: tensor model.layers.0.mlp.experts.0.w1.weight: has no GGUF name for llama");
        TestModel wrongHeads = llama("LlamaForCausalLM", false);
        wrongHeads.tensors.replaceAll(x -> x.name().equals("model.layers.1.self_attn.k_proj.weight")
                ? TestModel.stored(x.name(), ElementType.F32, 12, 16) : x);
        assertThatThrownBy(() -> new HfToGguf().apply(wrongHeads, context))
                .hasMessage("config.json: tensor model.layers.1.self_attn.k_proj.weight: [12, 16] does not have 8 rows"
                        + " (2 heads of 4) as config.json says");
        TestModel noConfig = new TestModel().f32("model.embed_tokens.weight", 4, 4);
        assertThatThrownBy(() -> new HfToGguf().apply(noConfig, context))
                .hasMessage("config.json: not found beside the weights: hf-to-gguf needs the model's config");
        TestModel smallVocab = llama("LlamaForCausalLM", false);
        smallVocab.tensors.replaceAll(x -> x.name().equals("model.embed_tokens.weight")
                ? TestModel.stored(x.name(), ElementType.F32, 500, 16) : x);
        assertThatThrownBy(() -> new HfToGguf().apply(smallVocab, context))
                .hasMessage("config.json: vocab_size is 512 but model.embed_tokens.weight is [500, 16]");
    }

    private static FormatWriter writer(String id) {
        return new FormatWriter() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String description() {
                return id;
            }

            @Override
            public boolean accepts(Path path) {
                return false;
            }

            @Override
            public boolean canStore(TensorType type) {
                return true;
            }

            @Override
            public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void eachAppliesByItselfOnlyToItsDirection() throws IOException {
        TestModel hf = llama("LlamaForCausalLM", false);
        assertThat(new HfToGguf().appliesTo(hf, writer("gguf"))).isTrue();
        assertThat(new HfToGguf().appliesTo(hf, writer("safetensors"))).isFalse();
        assertThat(new GgufToHf().appliesTo(hf, writer("safetensors"))).isFalse();
        assertThat(new HfToGguf().appliesTo(llama("GPT2LMHeadModel", false), writer("gguf"))).isFalse();
        TestModel noTokenizer = llama("LlamaForCausalLM", false);
        noTokenizer.metadata.removeFile("tokenizer.model");
        assertThat(new HfToGguf().appliesTo(noTokenizer, writer("gguf"))).isFalse();
        ModelSource gguf = new HfToGguf().apply(hf, context);
        assertThat(new GgufToHf().appliesTo(gguf, writer("safetensors"))).isTrue();
        assertThat(new GgufToHf().appliesTo(gguf, writer("gguf"))).isFalse();
        assertThat(new HfToGguf().appliesTo(gguf, writer("gguf"))).isFalse();
    }

    @Test
    void ggufToHfGivesTheCheckpointBack() throws IOException {
        for (String arch : new String[] {"LlamaForCausalLM", "Qwen3ForCausalLM", "MiniCPMForCausalLM"}) {
            TestModel hf = llama(arch, arch.startsWith("Qwen"));
            ModelSource back = new GgufToHf().apply(new HfToGguf().apply(hf, context), context);
            Map<String, SourceTensor> original = byName(hf);
            Map<String, SourceTensor> t = byName(back);
            assertThat(t.keySet()).isEqualTo(original.keySet());
            for (String name : original.keySet()) {
                assertThat(TestModel.values(t.get(name), context)).as(arch + " " + name)
                        .containsExactly(TestModel.values(original.get(name), context));
            }
            assertThat(back.metadata().values()).isEmpty();
            assertThat(back.metadata().files().keySet()).containsExactly("config.json", "tokenizer.model",
                    "tokenizer_config.json", "special_tokens_map.json");
            var config = Json.read(back.metadata().file("config.json").orElseThrow());
            assertThat(config.path("architectures").get(0).asString()).isEqualTo(arch);
            assertThat(config.path("tie_word_embeddings").asBoolean()).isEqualTo(arch.startsWith("Qwen"));
            assertThat(config.path("torch_dtype").asString()).isEqualTo("float32");
            // and the same GGUF again from it
            TestModel again = new TestModel();
            back.metadata().files().values().forEach(again.metadata::putFile);
            again.tensors.addAll(back.tensors());
            ModelSource gguf2 = new HfToGguf().apply(again, context);
            assertThat(gguf2.metadata().values()).isEqualTo(new HfToGguf().apply(hf, context).metadata().values()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        }
    }

    @Test
    void ggufToHfRefusesWhatItCannotMap() throws IOException {
        ModelSource gguf = new HfToGguf().apply(llama("LlamaForCausalLM", false), context);
        gguf.metadata().put("general.architecture", dev.requant.spi.MetaValue.str("falcon"));
        assertThatThrownBy(() -> new GgufToHf().apply(gguf, context)).isInstanceOf(BadInputException.class)
                .hasMessage("general.architecture: 'falcon' is not one gguf-to-hf converts (llama, qwen2, qwen3, minicpm)");
        TestModel withFactors = new TestModel();
        ModelSource llama = new HfToGguf().apply(llama("LlamaForCausalLM", false), context);
        llama.metadata().values().forEach(withFactors.metadata::put);
        withFactors.tensors.addAll(llama.tensors());
        withFactors.f32("rope_freqs.weight", 2);
        assertThatThrownBy(() -> new GgufToHf().apply(withFactors, context))
                .hasMessageStartingWith("test: tensor rope_freqs.weight: has no Hugging Face name");
    }
}
