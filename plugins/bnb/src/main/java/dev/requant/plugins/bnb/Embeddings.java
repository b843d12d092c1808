package dev.requant.plugins.bnb;

import dev.requant.spi.TensorInfo;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Embedding tables by their names (llama's {@code embed_tokens}, GPT-2's {@code wte}, BLOOM's
 * {@code word_embeddings}, Meta's {@code tok_embeddings}): transformers replaces only
 * {@code nn.Linear} modules by bitsandbytes layers, so an embedding stored quantized would not load.
 */
final class Embeddings {
    private static final Pattern EMBEDDING = Pattern.compile("(^|\\.)(embed_tokens|wte|wpe|word_embeddings|tok_embeddings"
            + "|embeddings?)(\\.|$)");

    private Embeddings() {
    }

    /** Why a tensor is not quantized by bitsandbytes, when it is an embedding. */
    static Optional<String> refusal(TensorInfo tensor) {
        return EMBEDDING.matcher(tensor.name()).find()
                ? Optional.of("bitsandbytes quantizes Linear layers only (transformers keeps embeddings in floats)")
                : Optional.empty();
    }
}
