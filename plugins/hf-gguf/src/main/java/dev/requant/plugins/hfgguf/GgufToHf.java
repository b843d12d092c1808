package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorTransform;
import dev.requant.spi.TransformContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * A llama-family GGUF (llama, qwen2, qwen3, minicpm) as a Hugging Face checkpoint: the inverse of
 * {@link HfToGguf}. Tensor names back, Q and K rows back to the rotate-half layout, a
 * {@code config.json} from the hyper-parameters, and the tokenizer files where they can be rebuilt
 * exactly ({@link HfTokenizerFiles}: a SentencePiece vocabulary, or a byte-level BPE one whose
 * pre-tokenizer is known; otherwise the output has no tokenizer). The GGUF's own keys do not
 * travel: the Hugging Face side keeps its metadata in those files.
 */
@Extension
public final class GgufToHf implements TensorTransform {
    static final String ID = "gguf-to-hf";
    private static final String SAFETENSORS_WRITER = "safetensors";
    private static final Map<ElementType, String> TORCH_DTYPES = Map.of(ElementType.F32, "float32",
            ElementType.F16, "float16", ElementType.BF16, "bfloat16");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "a llama/qwen2/qwen3/minicpm GGUF as a Hugging Face checkpoint (names, Q/K layout, config.json,"
                + " SentencePiece tokenizer)";
    }

    /** A GGUF of a known architecture written as safetensors. */
    @Override
    public boolean appliesTo(ModelSource source, FormatWriter writer) {
        return writer.id().equals(SAFETENSORS_WRITER)
                && source.metadata().string("general.architecture").flatMap(Architecture::byGguf).isPresent()
                && source.tensors().stream().anyMatch(t -> t.name().equals(TensorNames.TOKEN_EMBD));
    }

    @Override
    public ModelSource apply(ModelSource source, TransformContext context) throws IOException {
        Metadata m = source.metadata();
        String name = m.string("general.architecture").orElseThrow(() -> BadInputException.of(
                Path.of("general.architecture"), "missing: " + ID + " needs to know the architecture"));
        Architecture arch = Architecture.byGguf(name).orElseThrow(() -> BadInputException.of(
                Path.of("general.architecture"), "'" + name + "' is not one " + ID + " converts (llama, qwen2,"
                        + " qwen3, minicpm)"));
        String a = arch.gguf() + ".";
        SourceTensor embed = source.tensors().stream().filter(t -> t.name().equals(TensorNames.TOKEN_EMBD))
                .findFirst().orElseThrow(() -> BadInputException.of(Path.of(source.format()), "has no "
                        + TensorNames.TOKEN_EMBD));
        long vocabSize = embed.info().shape().dim(0);
        long heads = integer(m, a + "attention.head_count");
        long kvHeads = m.integer(a + "attention.head_count_kv").orElse(heads);
        long headDim = m.integer(a + "attention.key_length").orElse(integer(m, a + "embedding_length") / heads);
        Optional<GgufVocab> vocab = GgufVocab.from(m);
        boolean tied = source.tensors().stream().noneMatch(t -> t.name().equals(TensorNames.OUTPUT));
        boolean bias = source.tensors().stream().anyMatch(t -> t.name().endsWith(".attn_q.bias"));
        Optional<String> dtype = Optional.ofNullable(TORCH_DTYPES.get(embed.info().type()));
        Map<String, Long> ids = vocab.map(GgufVocab::specialIds).orElse(Map.of());

        Metadata out = new Metadata();
        out.putFile(AuxFile.of(HfConfig.FILE, Json.pretty(GgufToConfig.build(arch, m, tied, vocabSize, dtype, bias, ids))));
        if (vocab.isPresent()) {
            for (AuxFile f : HfTokenizerFiles.of(vocab.get(), integer(m, a + "context_length"))) {
                out.putFile(f);
            }
        }
        List<SourceTensor> tensors = new ArrayList<>();
        for (SourceTensor t : source.tensors()) {
            String hf = TensorNames.toHf(t.name()).orElseThrow(() -> BadInputException.inTensor(
                    Path.of(source.format()), t.name(), "has no Hugging Face name (" + ID + " maps the llama-family"
                            + " tensors; RoPE factor tensors cannot be turned back into a rope_scaling)"));
            Optional<Character> qk = TensorNames.ropeProjection(t.name());
            if (qk.isPresent() && arch.interleavedRope()) {
                long n = qk.get() == 'q' ? heads : kvHeads;
                if (t.info().shape().dim(0) != n * headDim || headDim % 2 != 0) {
                    throw BadInputException.inTensor(Path.of(source.format()), t.name(), t.info().shape()
                            + " is not " + n + " heads of " + headDim + " rows");
                }
                tensors.add(new RopePermutation(t.info().withName(hf), t, context, n, false));
            } else {
                tensors.add(Renaming.rename(t, hf, context));
            }
        }
        return new TransformedModel(source, ID, out, tensors);
    }

    private static long integer(Metadata m, String key) throws BadInputException {
        return m.integer(key).orElseThrow(() -> BadInputException.of(Path.of(key), "missing or not an integer"));
    }
}
