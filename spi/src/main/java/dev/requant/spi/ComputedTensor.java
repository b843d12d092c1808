package dev.requant.spi;

/**
 * A tensor whose values are computed on demand, row range by row range, as f32 (for example a
 * transform's row permutation of a source tensor, or a generated sample model).
 * {@code info().type()} is the type the values have nominally: a planner keeps it unless a
 * recipe rule says otherwise.
 */
public non-sealed interface ComputedTensor extends SourceTensor {
    /**
     * Writes rows {@code [firstRow, firstRow + rows)} as f32 into {@code dst}, starting at
     * {@code dstOffset}. Called from several threads at once, for different row ranges.
     */
    void rows(long firstRow, int rows, float[] dst, int dstOffset);
}
