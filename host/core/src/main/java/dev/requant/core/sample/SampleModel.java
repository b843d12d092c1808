package dev.requant.core.sample;

import dev.requant.core.recipe.SampleSpec;
import dev.requant.spi.AuxFile;
import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A llama-shaped model in Hugging Face naming whose weights are computed, not stored: every value
 * is a deterministic function of the seed, the tensor name and its index, so any row range can be
 * produced on its own, in any order, from any thread. Weights are roughly normal with a per-row
 * scale (as trained weights are), norms are close to 1. It comes with a {@code config.json}.
 */
public final class SampleModel implements ModelSource {
    private final List<SourceTensor> tensors = new ArrayList<>();
    private final Metadata metadata = new Metadata();

    private SampleModel(Dims d, ElementType type, long seed) {
        int headDim = d.hidden / d.heads;
        weight("model.embed_tokens.weight", type, seed, d.vocab, d.hidden);
        for (int l = 0; l < d.layers; l++) {
            String p = "model.layers." + l + ".";
            norm(p + "input_layernorm.weight", type, seed, d.hidden);
            weight(p + "self_attn.q_proj.weight", type, seed, d.hidden, d.hidden);
            weight(p + "self_attn.k_proj.weight", type, seed, (long) d.kvHeads * headDim, d.hidden);
            weight(p + "self_attn.v_proj.weight", type, seed, (long) d.kvHeads * headDim, d.hidden);
            weight(p + "self_attn.o_proj.weight", type, seed, d.hidden, d.hidden);
            norm(p + "post_attention_layernorm.weight", type, seed, d.hidden);
            weight(p + "mlp.gate_proj.weight", type, seed, d.intermediate, d.hidden);
            weight(p + "mlp.up_proj.weight", type, seed, d.intermediate, d.hidden);
            weight(p + "mlp.down_proj.weight", type, seed, d.hidden, d.intermediate);
        }
        norm("model.norm.weight", type, seed, d.hidden);
        weight("lm_head.weight", type, seed, d.vocab, d.hidden);
        metadata.putFile(AuxFile.of("config.json", config(d, type).getBytes(StandardCharsets.UTF_8)));
    }

    /** The dimensions of the sample model. */
    record Dims(int layers, int hidden, int intermediate, int heads, int kvHeads, int vocab) {
        Dims {
            if (layers < 1 || hidden < 1 || intermediate < 1 || heads < 1 || kvHeads < 1 || vocab < 1) {
                throw new IllegalArgumentException("sample dimensions must be positive");
            }
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("hidden (" + hidden + ") must be a multiple of heads (" + heads
                        + ") and heads of kv_heads (" + kvHeads + ")");
            }
        }
    }

    /**
     * The model a spec describes; absent values default to a tiny model with the awkward shapes
     * of real ones (an intermediate size of 172 is not a multiple of 32, as in stories260K).
     *
     * @throws IllegalArgumentException for inconsistent dimensions or a type that is not f32/f16/bf16
     */
    public static SampleModel of(SampleSpec spec) {
        Dims d = new Dims(or(spec.layers(), 2), or(spec.hidden(), 64), or(spec.intermediate(), 172),
                or(spec.heads(), 8), or(spec.kvHeads(), 4), or(spec.vocab(), 512));
        ElementType type = spec.type() == null ? ElementType.F32
                : ElementType.byId(spec.type().value()).filter(t -> switch (t) {
                    case F32, F16, BF16 -> true;
                    default -> false;
                }).orElseThrow(() -> new IllegalArgumentException("sample type must be f32, f16 or bf16, not '"
                        + spec.type().value() + "'"));
        return new SampleModel(d, type, spec.seed() == null ? 1 : spec.seed());
    }

    private static int or(Integer v, int fallback) {
        return v == null ? fallback : v;
    }

    private void weight(String name, ElementType type, long seed, long rows, long cols) {
        tensors.add(new Generated(new TensorInfo(name, Shape.of(rows, cols), type), seed, 0.02f, 0f));
    }

    private void norm(String name, ElementType type, long seed, long size) {
        tensors.add(new Generated(new TensorInfo(name, Shape.of(size), type), seed, 0.05f, 1f));
    }

    private static String config(Dims d, ElementType type) {
        String dtype = switch (type) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
        return String.format(Locale.ROOT, """
                {
                  "architectures": ["LlamaForCausalLM"],
                  "model_type": "llama",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                  "vocab_size": %d,
                  "max_position_embeddings": 2048,
                  "rms_norm_eps": 1e-05,
                  "rope_theta": 10000.0,
                  "tie_word_embeddings": false,
                  "torch_dtype": "%s"
                }
                """, d.hidden, d.intermediate, d.layers, d.heads, d.kvHeads, d.vocab, dtype);
    }

    @Override
    public String format() {
        return "sample";
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<SourceTensor> tensors() {
        return List.copyOf(tensors);
    }

    @Override
    public void close() {
        // nothing is held: values are computed
    }

    /** A tensor of values {@code offset + scale * rowScale(row) * approxNormal(index)}. */
    private record Generated(TensorInfo info, long seed, float scale, float offset) implements ComputedTensor {
        @Override
        public void rows(long firstRow, int rows, float[] dst, int dstOffset) {
            long base = mix(seed ^ info.name().hashCode() * 0x9E3779B97F4A7C15L);
            long rowLength = info.shape().rowLength();
            for (int r = 0; r < rows; r++) {
                long row = firstRow + r;
                // rows differ in scale by up to 4x, as the rows of trained weight matrices do
                float rowScale = scale * (0.5f + 1.5f * unit(mix(base ^ ~row)));
                long first = row * rowLength;
                int at = dstOffset + Math.toIntExact(r * rowLength);
                for (long i = 0; i < rowLength; i++) {
                    dst[at + (int) i] = offset + rowScale * normal(mix(base + (first + i) * 0xBF58476D1CE4E5B9L));
                }
            }
        }

        /** splitmix64's finalizer: a good 64-bit hash. */
        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        private static float unit(long h) {
            return (h >>> 40) * 0x1.0p-24f;
        }

        /** Sum of four uniforms (Irwin-Hall), centred and scaled to unit variance: close to normal. */
        private static float normal(long h) {
            float s = (h & 0xFFFF) + ((h >>> 16) & 0xFFFF) + ((h >>> 32) & 0xFFFF) + (h >>> 48);
            return (s * 0x1.0p-16f - 2f) * 1.7320508f;
        }
    }
}
