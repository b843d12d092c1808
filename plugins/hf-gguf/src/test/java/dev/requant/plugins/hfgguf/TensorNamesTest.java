package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TensorNamesTest {
    @ParameterizedTest
    @CsvSource({
        "model.embed_tokens.weight, token_embd.weight",
        "model.norm.weight, output_norm.weight",
        "lm_head.weight, output.weight",
        "model.layers.0.input_layernorm.weight, blk.0.attn_norm.weight",
        "model.layers.12.self_attn.q_proj.weight, blk.12.attn_q.weight",
        "model.layers.3.self_attn.k_proj.bias, blk.3.attn_k.bias",
        "model.layers.3.self_attn.v_proj.weight, blk.3.attn_v.weight",
        "model.layers.3.self_attn.o_proj.weight, blk.3.attn_output.weight",
        "model.layers.7.self_attn.q_norm.weight, blk.7.attn_q_norm.weight",
        "model.layers.7.self_attn.k_norm.weight, blk.7.attn_k_norm.weight",
        "model.layers.1.post_attention_layernorm.weight, blk.1.ffn_norm.weight",
        "model.layers.1.mlp.gate_proj.weight, blk.1.ffn_gate.weight",
        "model.layers.1.mlp.up_proj.weight, blk.1.ffn_up.weight",
        "model.layers.1.mlp.down_proj.weight, blk.1.ffn_down.weight",
    })
    void namesMapBothWays(String hf, String gguf) {
        assertThat(TensorNames.toGguf(hf)).contains(gguf);
        assertThat(TensorNames.toHf(gguf)).contains(hf);
    }

    @Test
    void namesOutsideTheFamilyHaveNoCounterpart() {
        assertThat(TensorNames.toGguf("model.layers.0.mlp.experts.0.w1.weight")).isEmpty();
        assertThat(TensorNames.toGguf("transformer.h.0.attn.c_attn.weight")).isEmpty();
        assertThat(TensorNames.toHf("rope_freqs.weight")).isEmpty();
        assertThat(TensorNames.toHf("blk.0.ffn_gate_exps.weight")).isEmpty();
    }

    @Test
    void onlyQueryAndKeyProjectionsArePermuted() {
        assertThat(TensorNames.ropeProjection("model.layers.0.self_attn.q_proj.weight")).contains('q');
        assertThat(TensorNames.ropeProjection("blk.0.attn_k.bias")).contains('k');
        assertThat(TensorNames.ropeProjection("blk.0.attn_q_norm.weight")).isEmpty();
        assertThat(TensorNames.ropeProjection("model.layers.0.self_attn.v_proj.weight")).isEmpty();
    }
}
