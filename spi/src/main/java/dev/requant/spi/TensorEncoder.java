package dev.requant.spi;

import java.lang.foreign.MemorySegment;

/**
 * Encodes one tensor, row range by row range, from several threads at once (disjoint ranges). A
 * scheme whose encoding needs a statistic of the whole tensor (bitsandbytes' mean absmax) asks for
 * a prepass; parts that describe the whole tensor ({@link PartSpec.Rows#NONE}) are filled by
 * {@link #finish} once every row is encoded.
 */
public interface TensorEncoder {
    /** True when {@link #observe} must see every row before the first {@link #encode}. */
    default boolean needsPrepass() {
        return false;
    }

    /** Sees rows {@code [firstRow, firstRow + rows)} in the prepass. */
    default void observe(float[] src, int srcOffset, long firstRow, int rows) {
    }

    /**
     * Encodes rows {@code [firstRow, firstRow + rows)}. {@code out[i]} is part {@code i} laid out
     * for a tensor that consists of exactly these rows (so a {@link PartSpec.Rows#LAST} part has
     * only these rows' columns); the encoder fills every part, {@link PartSpec.Rows#NONE} ones
     * included, so that the chunk can be decoded on its own to measure it.
     */
    void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] out);

    /**
     * After every row is encoded: fills the {@link PartSpec.Rows#NONE} parts of the whole tensor
     * ({@code out[i]} is null for the other parts).
     */
    default void finish(MemorySegment[] out) {
    }
}
