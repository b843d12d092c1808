package dev.requant.spi;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.ExtensionPoint;

/**
 * A quantized encoding: how f32 rows become stored parts and back. Implementations are
 * stateless and thread-safe; the host calls them on row ranges from several threads.
 *
 * <p>Every method that takes a {@link TensorInfo} receives one whose type is an {@link Encoding}
 * with this scheme's id, as returned by {@link #encoding(Map)}.
 */
public interface QuantScheme extends ExtensionPoint {
    /** Unique id: the {@link Encoding#scheme()} it handles ({@code q8_0}, {@code gptq}). */
    String id();

    /** One line for {@code requant plugins}. */
    String description();

    /**
     * Validates parameters and completes them with defaults.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or wrong
     */
    Encoding encoding(Map<String, String> params);

    /**
     * Whether a tensor of this shape can be encoded; the reason when not, e.g.
     * {@code "row length 4544 is not a multiple of 256"}.
     */
    Optional<String> fit(TensorInfo tensor);

    /** The parts an encoded tensor consists of, with their shapes and element types. */
    List<PartSpec> layout(TensorInfo tensor);

    /**
     * Rows per encoding unit: encode and decode are called on row ranges that start and end at
     * multiples of this (or at the last row). 1 unless a block spans rows.
     */
    default int rowAlignment(TensorInfo tensor) {
        return 1;
    }

    /**
     * The type to try when this one does not {@link #fit} a shape, as llama.cpp falls back from
     * q4_k to q5_0. Empty: the host's default fallback chain applies.
     */
    default Optional<TensorType> fallback(Encoding encoding) {
        return Optional.empty();
    }

    /**
     * False when this scheme only reads the encoding (so far): the planner then never chooses it as
     * an output type and {@link #encode} is never called for it.
     */
    default boolean canEncode(Encoding encoding) {
        return true;
    }

    /**
     * Decodes rows {@code [firstRow, firstRow + rows)} of {@code source} into {@code dst} from
     * {@code dstOffset} on ({@code rows * rowLength} floats).
     */
    void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset);

    /**
     * Encodes {@code rows} rows of {@code src} (from {@code srcOffset}) of a scheme whose rows are
     * independent: {@code out[i]} is part {@code i} laid out for a tensor of exactly these rows
     * (for {@link PartSpec.Rows#FIRST} parts, the byte range these rows occupy). Schemes that need
     * more (a prepass, whole-tensor parts) override {@link #encoder} instead.
     */
    default void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        throw new UnsupportedOperationException(id() + " encodes through encoder(tensor)");
    }

    /** The encoder of one tensor; by default {@link #encode} on every row range. */
    default TensorEncoder encoder(TensorInfo tensor) {
        return (src, srcOffset, firstRow, rows, out) -> encode(tensor, src, srcOffset, rows, out);
    }

    /**
     * A repacking of {@code source} (of this scheme) into {@code target}'s encoding without going
     * through f32, when this scheme knows one; the planner then marks the tensor {@code exact} (or
     * states the transcoder's maximum error).
     */
    default Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        return Optional.empty();
    }

    /**
     * How tensors of this scheme are stored in a Hugging Face style checkpoint, when the scheme has
     * such a layout (GPTQ, AWQ, bitsandbytes, compressed-tensors, MLX); writers that store every
     * part as a named tensor ({@link FormatWriter#storesCheckpointLayouts()}) can then hold it.
     */
    default Optional<CheckpointLayout> checkpointLayout() {
        return Optional.empty();
    }
}
