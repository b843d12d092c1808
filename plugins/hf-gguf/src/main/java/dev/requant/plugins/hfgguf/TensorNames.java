package dev.requant.plugins.hfgguf;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names of the llama family in Hugging Face and in GGUF (llama.cpp's tensor map), both
 * ways: {@code model.layers.N.self_attn.q_proj.weight} is {@code blk.N.attn_q.weight}, with
 * {@code .weight} or {@code .bias}.
 */
final class TensorNames {
    private record Pair(String hf, String gguf) {
    }

    private static final List<Pair> GLOBAL = List.of(
            new Pair("model.embed_tokens", "token_embd"),
            new Pair("model.norm", "output_norm"),
            new Pair("lm_head", "output"));

    private static final List<Pair> LAYER = List.of(
            new Pair("input_layernorm", "attn_norm"),
            new Pair("self_attn.q_proj", "attn_q"),
            new Pair("self_attn.k_proj", "attn_k"),
            new Pair("self_attn.v_proj", "attn_v"),
            new Pair("self_attn.o_proj", "attn_output"),
            new Pair("self_attn.q_norm", "attn_q_norm"),
            new Pair("self_attn.k_norm", "attn_k_norm"),
            new Pair("post_attention_layernorm", "ffn_norm"),
            new Pair("mlp.gate_proj", "ffn_gate"),
            new Pair("mlp.up_proj", "ffn_up"),
            new Pair("mlp.down_proj", "ffn_down"));

    private static final Pattern HF = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern GGUF = Pattern.compile("blk\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern GLOBAL_NAME = Pattern.compile("(.+)\\.(weight|bias)");

    static final String TOKEN_EMBD = "token_embd.weight";
    static final String OUTPUT = "output.weight";
    static final String HF_EMBED = "model.embed_tokens.weight";
    static final String HF_LM_HEAD = "lm_head.weight";

    private TensorNames() {
    }

    static Optional<String> toGguf(String hf) {
        Matcher m = HF.matcher(hf);
        if (m.matches()) {
            return LAYER.stream().filter(p -> p.hf().equals(m.group(2))).findFirst()
                    .map(p -> "blk." + m.group(1) + "." + p.gguf() + "." + m.group(3));
        }
        return global(hf, true);
    }

    static Optional<String> toHf(String gguf) {
        Matcher m = GGUF.matcher(gguf);
        if (m.matches()) {
            return LAYER.stream().filter(p -> p.gguf().equals(m.group(2))).findFirst()
                    .map(p -> "model.layers." + m.group(1) + "." + p.hf() + "." + m.group(3));
        }
        return global(gguf, false);
    }

    private static Optional<String> global(String name, boolean toGguf) {
        Matcher m = GLOBAL_NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return GLOBAL.stream().filter(p -> (toGguf ? p.hf() : p.gguf()).equals(m.group(1))).findFirst()
                .map(p -> (toGguf ? p.gguf() : p.hf()) + "." + m.group(2));
    }

    /** The projection a name in either convention is (q or k), for the RoPE permutation; else empty. */
    static Optional<Character> ropeProjection(String name) {
        for (String q : List.of(".self_attn.q_proj.", ".attn_q.")) {
            if (name.contains(q)) {
                return Optional.of('q');
            }
        }
        for (String k : List.of(".self_attn.k_proj.", ".attn_k.")) {
            if (name.contains(k)) {
                return Optional.of('k');
            }
        }
        return Optional.empty();
    }
}
