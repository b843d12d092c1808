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
     * Whether the host should apply this transform by itself when a recipe names no transforms:
     * true when {@code source}, written by {@code writer}, would be useless without it (a Hugging
     * Face llama folder written as GGUF, whose names, layout and metadata llama.cpp would not
     * understand). The host applies a transform only when it answers true for every output of the
     * recipe, and says so in the plan. Must be cheap and must not throw; the default is never.
     */
    default boolean appliesTo(ModelSource source, FormatWriter writer) {
        return false;
    }

    /**
     * The transformed model. Closing it closes {@code source}.
     *
     * @throws BadInputException when the model is not one this transform understands
     */
    ModelSource apply(ModelSource source, TransformContext context) throws IOException;
}
