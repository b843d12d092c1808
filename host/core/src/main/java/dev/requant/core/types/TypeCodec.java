package dev.requant.core.types;

import dev.requant.spi.PartSpec;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
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

    void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out);
}
