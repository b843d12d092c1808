package dev.requant.core.types;

import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.PartSpec;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import dev.requant.spi.Transcoder;
import java.util.List;
import java.util.Optional;

/**
 * What the host needs to know about one tensor type to plan and run a conversion: the same
 * questions for a plain element type (answered by the kernels) and for a plugin's scheme.
 */
public interface TypeCodec {
    TensorType type();

    /** Why a tensor cannot have this type, if it cannot. */
    Optional<String> fit(TensorInfo tensor);

    List<PartSpec> layout(TensorInfo tensor);

    int rowAlignment(TensorInfo tensor);

    /** The type llama.cpp-style fallback tries first when this one does not fit. */
    Optional<TensorType> fallback();

    /** False for types the host can copy and decode but not produce (f8). */
    boolean canEncode();

    void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset);

    /** The encoder of one tensor of this type. */
    TensorEncoder encoder(TensorInfo tensor);

    /** How tensors of this type are stored in a Hugging Face style checkpoint, if they have such a layout. */
    Optional<CheckpointLayout> checkpointLayout();

    /** A repacking of {@code source}, of this type, into {@code target}'s type without f32, if known. */
    Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target);
}
