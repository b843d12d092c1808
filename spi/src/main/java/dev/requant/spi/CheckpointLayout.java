package dev.requant.spi;

import java.util.List;

/**
 * How a scheme's tensors are stored in a checkpoint of named tensors beside a {@code config.json}
 * (the Hugging Face layout that transformers, vLLM and MLX load): the name of every part, and what
 * the quantization adds to the configuration.
 */
public interface CheckpointLayout {
    /** The stored name of each part of {@code tensor}, in the order of the scheme's layout. */
    List<String> partNames(TensorInfo tensor);

    /**
     * The configuration of an output whose tensors are {@code tensors} (all of them, in output
     * order, quantized with this scheme or not), as the loaders of this layout expect it.
     *
     * @throws IllegalArgumentException when the loaders cannot express this output (parameters
     *                                  that differ between tensors where the config holds one value);
     *                                  the message says which tensors and why
     */
    CheckpointConfig config(List<TensorInfo> tensors);
}
