package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face {@code config.json} from the keys of a llama-family GGUF: the inverse of
 * {@link ConfigToGguf}. A key the GGUF does not have is left out of the config too, so that both
 * sides mean the same default ({@code rope_theta} 10000, a head of {@code hidden / heads}).
 * Numbers GGUF stores as f32 are written as the shortest decimal that reads back to the same f32.
 */
final class GgufToConfig {
    private final Metadata m;
    private final String a;

    private GgufToConfig(Metadata m, Architecture arch) {
        this.m = m;
        this.a = arch.gguf() + ".";
    }

    /**
     * @param tied       the GGUF has no {@code output.weight}
     * @param vocabSize  rows of {@code token_embd.weight}
     * @param torchDtype the dtype of the embeddings, when they are plain floats
     */
    static ObjectNode build(Architecture arch, Metadata m, boolean tied, long vocabSize, Optional<String> torchDtype,
                            boolean attentionBias, Map<String, Long> specialIds) throws BadInputException {
        return new GgufToConfig(m, arch).build(arch, tied, vocabSize, torchDtype, attentionBias, specialIds);
    }

    private ObjectNode build(Architecture arch, boolean tied, long vocabSize, Optional<String> torchDtype,
                             boolean attentionBias, Map<String, Long> specialIds) throws BadInputException {
        ObjectNode c = Json.object();
        c.putArray("architectures").add(arch.hfClass());
        c.put("model_type", arch.modelType());
        m.string("general.name").ifPresent(n -> c.put("_name_or_path", n));
        long hidden = integer("embedding_length");
        long heads = integer("attention.head_count");
        long layers = integer("block_count");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", integer("feed_forward_length"));
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", m.integer(a + "attention.head_count_kv").orElse(heads));
        m.integer(a + "attention.key_length").ifPresent(k -> c.put("head_dim", k));
        c.put("max_position_embeddings", integer("context_length"));
        c.put("rms_norm_eps", f32(real("attention.layer_norm_rms_epsilon")));
        optionalReal("rope.freq_base").ifPresent(t -> c.put("rope_theta", f32(t)));
        ropeScaling().ifPresent(r -> c.set("rope_scaling", r));
        c.put("vocab_size", vocabSize);
        c.put("tie_word_embeddings", tied);
        c.put("hidden_act", "silu");
        c.put("attention_bias", attentionBias);
        specialIds.forEach((kind, id) -> {
            if (kind.equals("bos") || kind.equals("eos") || kind.equals("pad")) {
                c.put(kind + "_token_id", id);
            }
        });
        if (arch == Architecture.MINICPM) {
            c.put("scale_emb", f32(real("embedding_scale")));
            c.put("scale_depth", real("residual_scale") * Math.sqrt(layers));
            double base = hidden / real("logit_scale");
            if (base == Math.rint(base)) {
                c.put("dim_model_base", (long) base);
            } else {
                c.put("dim_model_base", base);
            }
        }
        torchDtype.ifPresent(d -> c.put("torch_dtype", d));
        return c;
    }

    private Optional<ObjectNode> ropeScaling() throws BadInputException {
        Optional<String> type = m.string(a + "rope.scaling.type");
        if (type.isEmpty() || type.get().equals("none")) {
            return Optional.empty();
        }
        ObjectNode r = Json.object();
        r.put("rope_type", type.get());
        switch (type.get()) {
            case "linear" -> r.put("factor", f32(real("rope.scaling.factor")));
            case "yarn" -> {
                r.put("factor", f32(real("rope.scaling.factor")));
                r.put("original_max_position_embeddings", integer("rope.scaling.original_context_length"));
                optionalReal("rope.scaling.yarn_ext_factor").ifPresent(v -> r.put("extrapolation_factor", f32(v)));
                optionalReal("rope.scaling.yarn_attn_factor").ifPresent(v -> r.put("attention_factor", f32(v)));
                optionalReal("rope.scaling.yarn_beta_fast").ifPresent(v -> r.put("beta_fast", f32(v)));
                optionalReal("rope.scaling.yarn_beta_slow").ifPresent(v -> r.put("beta_slow", f32(v)));
            }
            default -> throw BadInputException.of(Path.of(a + "rope.scaling.type"), "'" + type.get()
                    + "' cannot be written as a Hugging Face rope_scaling here (linear, yarn)");
        }
        return Optional.of(r);
    }

    private long integer(String key) throws BadInputException {
        return m.integer(a + key).orElseThrow(() -> BadInputException.of(Path.of(a + key),
                "missing or not an integer: llama.cpp needs it, and so does config.json"));
    }

    private double real(String key) throws BadInputException {
        return optionalReal(key).orElseThrow(() -> BadInputException.of(Path.of(a + key), "missing or not a number"));
    }

    private Optional<Double> optionalReal(String key) {
        return m.get(a + key).flatMap(v -> switch (v) {
            case MetaValue.Real r -> Optional.of(r.value());
            case MetaValue.Int i -> Optional.of((double) i.value());
            default -> Optional.<Double>empty();
        });
    }

    /** The f32 a GGUF holds, as the shortest decimal that is that f32 again. */
    private static double f32(double value) {
        return Double.parseDouble(Float.toString((float) value));
    }
}
