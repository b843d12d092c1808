package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TransformContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory models for the transforms: f32 stored tensors whose value {@code i} is a function of
 * the tensor's name and {@code i}, and a context that decodes f32 and records which row ranges
 * were asked for.
 */
final class TestModel implements ModelSource {
    final Metadata metadata = new Metadata();
    final List<SourceTensor> tensors = new ArrayList<>();
    boolean closed;

    TestModel file(String name, String content) {
        metadata.putFile(AuxFile.of(name, content.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    TestModel file(String name, byte[] content) {
        metadata.putFile(AuxFile.of(name, content));
        return this;
    }

    TestModel f32(String name, long... dims) {
        tensors.add(stored(name, ElementType.F32, dims));
        return this;
    }

    TestModel f16(String name, long... dims) {
        tensors.add(stored(name, ElementType.F16, dims));
        return this;
    }

    static StoredTensor stored(String name, ElementType type, long... dims) {
        Shape shape = Shape.of(dims);
        int n = Math.toIntExact(shape.numel());
        MemorySegment data = Arena.ofAuto().allocate(type.bytesFor(n));
        for (int i = 0; i < n; i++) {
            float v = value(name, i);
            if (type == ElementType.F32) {
                data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
            } else {
                data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
            }
        }
        TensorInfo info = new TensorInfo(name, shape, type);
        return StoredTensor.of(info, new TensorPart(new PartSpec(PartSpec.DATA, type, shape), data));
    }

    /** Exact in f16 too: small integers plus a name-dependent offset of a quarter. */
    static float value(String name, int i) {
        return (i % 509) + (Math.floorMod(name.hashCode(), 4) / 4f);
    }

    @Override
    public String format() {
        return "test";
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<SourceTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Decodes f32 and f16 stored tensors and any computed one; remembers every call as {first, rows}. */
    static final class Context implements TransformContext {
        final List<long[]> calls = new ArrayList<>();

        @Override
        public synchronized void decode(SourceTensor tensor, long firstRow, int rows, float[] dst, int dstOffset) {
            calls.add(new long[] {firstRow, rows});
            if (tensor instanceof ComputedTensor c) {
                c.rows(firstRow, rows, dst, dstOffset);
                return;
            }
            StoredTensor s = (StoredTensor) tensor;
            long rowLength = s.info().shape().rowLength();
            MemorySegment data = s.parts().getFirst().data();
            for (long i = 0; i < rows * rowLength; i++) {
                long at = firstRow * rowLength + i;
                dst[dstOffset + (int) i] = s.info().type() == ElementType.F32
                        ? data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at)
                        : Float.float16ToFloat(data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            }
        }
    }

    /** All values of a tensor through a context, rows in one call. */
    static float[] values(SourceTensor t, TransformContext context) {
        float[] out = new float[Math.toIntExact(t.info().shape().numel())];
        context.decode(t, 0, Math.toIntExact(t.info().shape().rows()), out, 0);
        return out;
    }
}
