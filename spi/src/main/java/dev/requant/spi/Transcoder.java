package dev.requant.spi;

import java.lang.foreign.MemorySegment;

/**
 * Repacks a stored tensor into another encoding without going through f32: GPTQ and AWQ hold the
 * same numbers in a different order; a symmetric 4-bit GPTQ group of 32 is a Q4_0 block. It works
 * on row ranges, from several threads, and fills its output parts as {@link TensorEncoder#encode}
 * does.
 */
public interface Transcoder {
    /** True when the result decodes to exactly the values the source decodes to. */
    boolean exact();

    /** The largest absolute difference between those values; 0 when {@link #exact()}. */
    double maxError();

    /** Repacks rows {@code [firstRow, firstRow + rows)}; {@code out} as in {@link TensorEncoder#encode}. */
    void transcode(StoredTensor source, long firstRow, int rows, MemorySegment[] out);

    /** Fills the {@link PartSpec.Rows#NONE} parts of the whole tensor, as {@link TensorEncoder#finish}. */
    default void finish(MemorySegment[] out) {
    }
}
