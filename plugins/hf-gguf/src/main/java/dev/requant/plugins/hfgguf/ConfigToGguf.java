package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.SourceTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import tools.jackson.databind.JsonNode;

/**
 * The hyper-parameters of a Hugging Face {@code config.json} as llama.cpp reads them from GGUF,
 * with the keys convert_hf_to_gguf.py writes: {@code ARCH.context_length}, {@code embedding_length},
 * {@code block_count}, {@code feed_forward_length}, {@code attention.head_count(_kv)},
 * {@code rope.freq_base}, {@code attention.layer_norm_rms_epsilon}, {@code rope.dimension_count},
 * {@code vocab_size}, {@code attention.key_length}/{@code value_length} when a head is not
 * {@code hidden / heads} wide, and RoPE scaling: linear and YaRN as keys, Llama 3's as the
 * {@code rope_freqs.weight} factors, LongRoPE (MiniCPM) as {@code rope_factors_long/short.weight}.
 * MiniCPM's scales become {@code minicpm.embedding_scale} ({@code scale_emb}),
 * {@code residual_scale} ({@code scale_depth / sqrt(layers)}) and {@code logit_scale}
 * ({@code hidden_size / dim_model_base}).
 */
final class ConfigToGguf {
    private final Architecture arch;
    private final HfConfig config;
    private final String a;

    private ConfigToGguf(Architecture arch, HfConfig config) {
        this.arch = arch;
        this.config = config;
        this.a = arch.gguf() + ".";
    }

    /** Puts the keys into {@code out}; returns the tensors the RoPE scaling needs, if any. */
    static List<SourceTensor> put(Architecture arch, HfConfig config, Metadata out) throws BadInputException {
        return new ConfigToGguf(arch, config).put(out);
    }

    private List<SourceTensor> put(Metadata out) throws BadInputException {
        long hidden = config.requireInteger("hidden_size");
        long heads = config.requireInteger("num_attention_heads");
        long layers = config.requireInteger("num_hidden_layers");
        long headDim = headDim(config);
        out.put("general.architecture", MetaValue.str(arch.gguf()));
        config.string("_name_or_path").map(ConfigToGguf::lastSegment).filter(n -> !n.isEmpty())
                .ifPresent(n -> out.put("general.name", MetaValue.str(n)));
        out.put(a + "block_count", MetaValue.u32(layers));
        out.put(a + "context_length", MetaValue.u32(config.requireInteger("max_position_embeddings")));
        out.put(a + "embedding_length", MetaValue.u32(hidden));
        out.put(a + "feed_forward_length", MetaValue.u32(config.requireInteger("intermediate_size")));
        out.put(a + "attention.head_count", MetaValue.u32(heads));
        var kv = config.integer("num_key_value_heads");
        if (kv.isPresent()) {
            out.put(a + "attention.head_count_kv", MetaValue.u32(kv.getAsLong()));
        }
        OptionalDouble theta = ropeTheta();
        if (theta.isPresent()) {
            out.put(a + "rope.freq_base", MetaValue.f32(theta.getAsDouble()));
        }
        out.put(a + "attention.layer_norm_rms_epsilon", MetaValue.f32(config.requireReal("rms_norm_eps")));
        if (hidden % heads != 0 || headDim != hidden / heads) {
            out.put(a + "attention.key_length", MetaValue.u32(headDim));
            out.put(a + "attention.value_length", MetaValue.u32(headDim));
        }
        out.put(a + "vocab_size", MetaValue.u32(config.requireInteger("vocab_size")));
        out.put(a + "rope.dimension_count", MetaValue.u32(headDim));
        if (arch == Architecture.MINICPM) {
            out.put(a + "embedding_scale", MetaValue.f32(config.requireReal("scale_emb")));
            out.put(a + "residual_scale", MetaValue.f32(config.requireReal("scale_depth") / Math.sqrt(layers)));
            out.put(a + "logit_scale", MetaValue.f32((double) hidden / config.requireReal("dim_model_base")));
        }
        return ropeScaling(out, headDim, theta.orElse(10000.0));
    }

    /** A head's width: {@code head_dim}, else {@code hidden_size / num_attention_heads}. */
    static long headDim(HfConfig config) throws BadInputException {
        long hidden = config.requireInteger("hidden_size");
        long heads = config.requireInteger("num_attention_heads");
        if (heads == 0) {
            throw HfConfig.problem("num_attention_heads is 0");
        }
        var given = config.integer("head_dim");
        if (given.isEmpty() && hidden % heads != 0) {
            throw HfConfig.problem("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads
                    + " and there is no head_dim");
        }
        return given.orElse(hidden / heads);
    }

    /** rope_theta, at the top or in transformers 5's rope_parameters. */
    private OptionalDouble ropeTheta() throws BadInputException {
        OptionalDouble top = config.real("rope_theta");
        if (top.isPresent()) {
            return top;
        }
        JsonNode p = config.node("rope_parameters").path("rope_theta");
        return p.isNumber() ? OptionalDouble.of(p.asDouble()) : OptionalDouble.empty();
    }

    private List<SourceTensor> ropeScaling(Metadata out, long headDim, double theta) throws BadInputException {
        JsonNode rs = config.has("rope_scaling") ? config.node("rope_scaling") : config.node("rope_parameters");
        if (!rs.isObject()) {
            return List.of();
        }
        String type = rs.path("rope_type").asString(rs.path("type").asString("default"));
        List<SourceTensor> tensors = new ArrayList<>();
        switch (type) {
            case "default" -> {
            }
            case "linear" -> {
                out.put(a + "rope.scaling.type", MetaValue.str("linear"));
                out.put(a + "rope.scaling.factor", MetaValue.f32(number(rs, "factor")));
            }
            case "yarn" -> {
                out.put(a + "rope.scaling.type", MetaValue.str("yarn"));
                out.put(a + "rope.scaling.factor", MetaValue.f32(number(rs, "factor")));
                out.put(a + "rope.scaling.original_context_length",
                        MetaValue.u32((long) number(rs, "original_max_position_embeddings")));
                optional(rs, "extrapolation_factor").ifPresent(v -> out.put(a + "rope.scaling.yarn_ext_factor", MetaValue.f32(v)));
                optional(rs, "attention_factor").or(() -> optional(rs, "attn_factor"))
                        .ifPresent(v -> out.put(a + "rope.scaling.yarn_attn_factor", MetaValue.f32(v)));
                optional(rs, "beta_fast").ifPresent(v -> out.put(a + "rope.scaling.yarn_beta_fast", MetaValue.f32(v)));
                optional(rs, "beta_slow").ifPresent(v -> out.put(a + "rope.scaling.yarn_beta_slow", MetaValue.f32(v)));
            }
            case "llama3" -> {
                requireArch(type, Architecture.LLAMA);
                tensors.add(new GeneratedF32("rope_freqs.weight", llama3Factors(rs, headDim, theta)));
            }
            case "longrope", "su" -> {
                requireArch(type, Architecture.MINICPM);
                out.put(a + "rope.scaling.type", MetaValue.str("longrope"));
                tensors.add(new GeneratedF32("rope_factors_long.weight", factors(rs, "long_factor", headDim)));
                tensors.add(new GeneratedF32("rope_factors_short.weight", factors(rs, "short_factor", headDim)));
            }
            default -> throw HfConfig.problem("rope_scaling type '" + type + "' is not one llama.cpp reads for "
                    + arch.gguf() + " (linear, yarn, llama3, longrope for minicpm)");
        }
        return tensors;
    }

    private void requireArch(String type, Architecture only) throws BadInputException {
        if (arch != only) {
            throw HfConfig.problem("rope_scaling type '" + type + "' is handled for " + only.gguf() + " only, not "
                    + arch.gguf());
        }
    }

    /**
     * Llama 3.1's per-frequency factors, computed as convert_hf_to_gguf.py does: 1 for wavelengths
     * below {@code original / high_freq_factor}, {@code factor} above {@code original / low_freq_factor},
     * a smooth blend between.
     */
    private static float[] llama3Factors(JsonNode rs, long dim, double base) throws BadInputException {
        double factor = optional(rs, "factor").orElse(8.0);
        double low = optional(rs, "low_freq_factor").orElse(1.0);
        double high = optional(rs, "high_freq_factor").orElse(4.0);
        double original = optional(rs, "original_max_position_embeddings").orElse(8192.0);
        float[] out = new float[(int) (dim / 2)];
        for (int i = 0; i < out.length; i++) {
            double freq = 1.0 / Math.pow(base, (2.0 * i) / dim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < original / high) {
                out[i] = 1f;
            } else if (wavelen > original / low) {
                out[i] = (float) factor;
            } else {
                double smooth = (original / wavelen - low) / (high - low);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    private static float[] factors(JsonNode rs, String key, long headDim) throws BadInputException {
        JsonNode list = rs.path(key);
        if (!list.isArray() || list.size() != headDim / 2) {
            throw HfConfig.problem("rope_scaling." + key + " must list " + headDim / 2 + " numbers (half a head)");
        }
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) list.get(i).asDouble();
        }
        return out;
    }

    private static double number(JsonNode rs, String key) throws BadInputException {
        return optional(rs, key).orElseThrow(() -> HfConfig.problem("rope_scaling has no number " + key));
    }

    private static Optional<Double> optional(JsonNode rs, String key) {
        JsonNode v = rs.path(key);
        return v.isNumber() ? Optional.of(v.asDouble()) : Optional.empty();
    }

    private static String lastSegment(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
