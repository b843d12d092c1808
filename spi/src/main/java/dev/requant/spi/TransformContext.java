package dev.requant.spi;

/** What the host offers a transform. */
public interface TransformContext {
    /**
     * Decodes rows of any tensor of the source to f32 with the registered schemes, so that a
     * transform can compute new tensors (e.g. permuted rows) from quantized ones.
     */
    void decode(SourceTensor tensor, long firstRow, int rows, float[] dst, int dstOffset);
}
