package dev.requant.spi;

import java.io.IOException;
import org.pf4j.ExtensionPoint;

/**
 * Rewrites a model between reading and writing: renames, row permutations, splits and merges,
 * metadata mapping (e.g. Hugging Face llama to GGUF llama). Returns a view; it must not copy
 * tensor data.
 */
public interface TensorTransform extends ExtensionPoint {
    /** Unique id, used in recipes ({@code transforms: [ID]}). */
    String id();

    /** One line for {@code requant plugins}. */
    String description();

    /**
     * The transformed model. Closing it closes {@code source}.
     *
     * @throws BadInputException when the model is not one this transform understands
     */
    ModelSource apply(ModelSource source, TransformContext context) throws IOException;
}
