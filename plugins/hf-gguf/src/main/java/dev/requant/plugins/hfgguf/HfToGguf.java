package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorTransform;
import dev.requant.spi.TransformContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * A Hugging Face llama-family checkpoint (Llama, Mistral, Qwen2, Qwen3, MiniCPM) as llama.cpp
 * reads it from GGUF: tensor names ({@link TensorNames}), Q and K rows in Meta's RoPE layout where
 * llama.cpp needs it ({@link RopePermutation}, on decoded values), hyper-parameters
 * ({@link ConfigToGguf}) and the tokenizer ({@link HfTokenizer}).
 *
 * <p>Tensors keep their type, so that a recipe decides it; 1-d tensors (norms, biases) are offered
 * as f32, as llama.cpp's converter writes them. Without {@code lm_head.weight} (tied embeddings)
 * there is no {@code output.weight}, and llama.cpp uses {@code token_embd.weight} for both.
 */
@Extension
public final class HfToGguf implements TensorTransform {
    static final String ID = "hf-to-gguf";
    private static final String GGUF_WRITER = "gguf";
    private static final List<String> DROPPED = List.of(".rotary_emb.inv_freq", ".attention.masked_bias");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "a Hugging Face Llama/Mistral/Qwen2/Qwen3/MiniCPM checkpoint as llama.cpp reads it from GGUF"
                + " (names, Q/K layout, hyper-parameters, tokenizer)";
    }

    /** A Hugging Face folder of a known architecture, with a tokenizer, written as GGUF. */
    @Override
    public boolean appliesTo(ModelSource source, FormatWriter writer) {
        try {
            Metadata m = source.metadata();
            return writer.id().equals(GGUF_WRITER) && HfTokenizer.present(m)
                    && HfConfig.of(m).flatMap(HfConfig::architecture).flatMap(Architecture::byHfClass).isPresent()
                    && source.tensors().stream().anyMatch(t -> t.name().equals(TensorNames.HF_EMBED));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public ModelSource apply(ModelSource source, TransformContext context) throws IOException {
        HfConfig config = HfConfig.of(source.metadata()).orElseThrow(() -> BadInputException.of(
                Path.of(HfConfig.FILE), "not found beside the weights: " + ID + " needs the model's config"));
        String cls = config.architecture().orElseThrow(() -> HfConfig.problem("has no architectures"));
        Architecture arch = Architecture.byHfClass(cls).orElseThrow(() -> HfConfig.problem("architecture " + cls
                + " is not one " + ID + " converts (" + String.join(", ", Architecture.hfClasses()) + ")"));
        long vocabSize = config.requireInteger("vocab_size");
        SourceTensor embed = source.tensors().stream().filter(t -> t.name().equals(TensorNames.HF_EMBED)).findFirst()
                .orElseThrow(() -> HfConfig.problem("the checkpoint has no " + TensorNames.HF_EMBED));
        if (embed.info().shape().rank() != 2 || embed.info().shape().dim(0) != vocabSize) {
            throw HfConfig.problem("vocab_size is " + vocabSize + " but " + embed.name() + " is "
                    + embed.info().shape());
        }
        Metadata out = new Metadata();
        List<SourceTensor> tensors = new ArrayList<>(ConfigToGguf.put(arch, config, out));
        HfTokenizer.read(source.metadata(), Math.toIntExact(vocabSize), config.root()).putInto(out);
        long headDim = ConfigToGguf.headDim(config);
        long heads = config.requireInteger("num_attention_heads");
        long kvHeads = config.integer("num_key_value_heads").orElse(heads);
        if (arch.interleavedRope() && headDim % 2 != 0) {
            throw HfConfig.problem("heads of " + headDim + " values: RoPE pairs need an even number");
        }
        for (SourceTensor t : source.tensors()) {
            if (DROPPED.stream().anyMatch(t.name()::endsWith)) {
                continue;
            }
            String name = TensorNames.toGguf(t.name()).orElseThrow(() -> BadInputException.inTensor(
                    Path.of(HfConfig.FILE), t.name(), "has no GGUF name for " + arch.gguf()));
            Optional<Character> qk = TensorNames.ropeProjection(t.name());
            if (qk.isPresent()) {
                long n = qk.get() == 'q' ? heads : kvHeads;
                requireRows(t, n * headDim, n + " heads of " + headDim);
                if (arch.interleavedRope()) {
                    TensorInfo info = t.info().withName(name);
                    tensors.add(new RopePermutation(info.shape().rank() == 1 ? info.withType(ElementType.F32) : info,
                            t, context, n, true));
                    continue;
                }
            }
            tensors.add(t.info().shape().rank() <= 1 && t.info().type() != ElementType.F32
                    ? Decoded.asF32(name, t, context) : Renaming.rename(t, name, context));
        }
        return new TransformedModel(source, ID, out, tensors);
    }

    private static void requireRows(SourceTensor t, long rows, String what) throws BadInputException {
        TensorInfo i = t.info();
        if (i.shape().rank() == 0 || i.shape().dim(0) != rows) {
            throw BadInputException.inTensor(Path.of(HfConfig.FILE), t.name(), i.shape() + " does not have " + rows
                    + " rows (" + what + ") as config.json says");
        }
    }
}
