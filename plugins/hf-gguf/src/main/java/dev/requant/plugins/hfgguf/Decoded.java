package dev.requant.plugins.hfgguf;

import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TransformContext;

/** A source tensor's decoded values under another name or type. */
record Decoded(TensorInfo info, SourceTensor source, TransformContext context) implements ComputedTensor {
    /**
     * As f32: llama.cpp's converter writes 1-d tensors (norms, biases) as f32 whatever their type,
     * because most of llama.cpp handles them only in f32.
     */
    static Decoded asF32(String name, SourceTensor source, TransformContext context) {
        return new Decoded(source.info().withName(name).withType(ElementType.F32), source, context);
    }

    @Override
    public void rows(long firstRow, int rows, float[] dst, int dstOffset) {
        context.decode(source, firstRow, rows, dst, dstOffset);
    }
}
