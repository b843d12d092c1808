package dev.requant.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.pf4j.ExtensionPoint;

/** Writes a model format. */
public interface FormatWriter extends ExtensionPoint {
    /** Unique id, used in recipes ({@code outputs: [{format: ID}]}). */
    String id();

    /** One line for {@code requant plugins}. */
    String description();

    /** True when an output path without an explicit format is meant for this writer (by its name). */
    boolean accepts(Path path);

    /** True when this format can store tensors of this type. */
    boolean canStore(TensorType type);

    /**
     * True when this format stores every part of a tensor as a named tensor and writes the
     * checkpoint's configuration ({@link OutputPlan#checkpoint()}): it can then hold any scheme
     * with a {@link QuantScheme#checkpointLayout()}, whatever {@link #canStore} says.
     */
    default boolean storesCheckpointLayouts() {
        return false;
    }

    /** The option keys {@link #create} understands; the host rejects others before calling it. */
    default Set<String> options() {
        return Set.of();
    }

    /**
     * Starts an output. Nothing is visible at {@code path} until {@link ModelSink#commit()}.
     *
     * @throws IllegalArgumentException when the plan cannot be written in this format (a name,
     *                                  shape or type it cannot hold) or an option value is malformed;
     *                                  the message names the tensor or option
     */
    ModelSink create(Path path, OutputPlan plan, Map<String, String> options) throws IOException;
}
