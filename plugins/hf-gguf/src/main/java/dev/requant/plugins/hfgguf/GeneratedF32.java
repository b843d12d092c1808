package dev.requant.plugins.hfgguf;

import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;

/** A small f32 vector computed from config.json (llama.cpp's rope frequency factors). */
record GeneratedF32(TensorInfo info, float[] values) implements ComputedTensor {
    GeneratedF32(String name, float[] values) {
        this(new TensorInfo(name, Shape.of(values.length), ElementType.F32), values.clone());
    }

    @Override
    public void rows(long firstRow, int rows, float[] dst, int dstOffset) {
        System.arraycopy(values, 0, dst, dstOffset, values.length);
    }
}
