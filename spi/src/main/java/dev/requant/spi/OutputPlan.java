package dev.requant.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a writer learns before any tensor data: metadata, every tensor with its parts and
 * sizes, in output order, and the quantization the output is known by.
 *
 * @param quantization the name of the recipe's preset or default type ({@code Q8_0},
 *                     {@code Q4_K_M}), or empty when no tensor is quantized; GGUF writes it as
 *                     {@code general.file_type}
 * @param checkpoint   what the output's quantization adds to a checkpoint folder, when its tensors
 *                     use a scheme with a {@link QuantScheme#checkpointLayout()}; writers that
 *                     {@link FormatWriter#storesCheckpointLayouts()} write it
 */
public record OutputPlan(Metadata metadata, List<PlannedTensor> tensors, Optional<String> quantization,
                         Optional<CheckpointConfig> checkpoint) {
    public OutputPlan {
        Objects.requireNonNull(metadata, "metadata");
        tensors = List.copyOf(tensors);
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(checkpoint, "checkpoint");
    }

    /** A plan without a checkpoint configuration. */
    public OutputPlan(Metadata metadata, List<PlannedTensor> tensors, Optional<String> quantization) {
        this(metadata, tensors, quantization, Optional.empty());
    }

    /** Total bytes of tensor data. */
    public long dataBytes() {
        long n = 0;
        for (PlannedTensor t : tensors) {
            n += t.byteSize();
        }
        return n;
    }
}
