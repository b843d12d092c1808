package dev.requant.core.types;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Kernels;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.ElementType;
import dev.requant.spi.PartSpec;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/** The float element types the host converts itself, through {@link ElementKernels}. */
final class ElementCodec implements TypeCodec {
    private final ElementType type;
    private final ElementKernels k = Kernels.elements();

    private ElementCodec(ElementType type) {
        this.type = type;
    }

    /** The codec of a float element type the kernels read, or empty (integers, opaque types). */
    static Optional<TypeCodec> of(ElementType type) {
        return switch (type) {
            case F32, F16, BF16, F64, F8_E4M3, F8_E5M2 -> Optional.of(new ElementCodec(type));
            default -> Optional.empty();
        };
    }

    @Override
    public TensorType type() {
        return type;
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return Optional.empty();
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        return List.of(new PartSpec(PartSpec.DATA, type, tensor.shape()));
    }

    @Override
    public int rowAlignment(TensorInfo tensor) {
        return 1;
    }

    @Override
    public Optional<TensorType> fallback() {
        return Optional.empty();
    }

    @Override
    public boolean canEncode() {
        return switch (type) {
            case F32, F16, BF16, F64 -> true;
            default -> false;
        };
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        long rowLength = source.info().shape().rowLength();
        int count = Math.toIntExact(rows * rowLength);
        MemorySegment data = source.part(PartSpec.DATA).data();
        long offset = type.bytesFor(firstRow * rowLength);
        switch (type) {
            case F32 -> k.readF32(data, offset, dst, dstOffset, count);
            case F16 -> k.readF16(data, offset, dst, dstOffset, count);
            case BF16 -> k.readBf16(data, offset, dst, dstOffset, count);
            case F64 -> k.readF64(data, offset, dst, dstOffset, count);
            case F8_E4M3 -> k.readF8E4M3(data, offset, dst, dstOffset, count);
            case F8_E5M2 -> k.readF8E5M2(data, offset, dst, dstOffset, count);
            default -> throw new IllegalStateException("no decoder for " + type);
        }
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        int rowLength = Math.toIntExact(tensor.shape().rowLength());
        return (src, srcOffset, firstRow, rows, out) -> {
            int count = rows * rowLength;
            switch (type) {
                case F32 -> k.writeF32(src, srcOffset, out[0], 0, count);
                case F16 -> k.writeF16(src, srcOffset, out[0], 0, count);
                case BF16 -> k.writeBf16(src, srcOffset, out[0], 0, count);
                case F64 -> k.writeF64(src, srcOffset, out[0], 0, count);
                default -> throw new IllegalStateException("no encoder for " + type);
            }
        };
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.empty();
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        return Optional.empty();
    }
}
