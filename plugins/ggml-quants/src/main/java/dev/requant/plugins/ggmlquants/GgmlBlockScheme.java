package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A ggml block type as a quantization scheme: rows of blocks, one {@code u8} part of shape
 * {@code [rows, rowBytes]}, byte-exact with ggml through the host's kernels. A type whose block
 * does not divide a row falls back as llama.cpp's quantizer does (q4_k to q5_0, ...), where
 * llama.cpp has a fallback for it. Each type is a subclass only because PF4J creates extensions
 * by their no-argument constructors.
 */
public abstract class GgmlBlockScheme implements QuantScheme {
    private final GgmlType type;
    private final Optional<TensorType> fallback;
    private final BlockCodec codec;

    /** A type without a fallback of its own: the host's default chain applies. */
    protected GgmlBlockScheme(GgmlType type) {
        this(type, Optional.empty());
    }

    /** A type that falls back to {@code fallback} when its block does not divide a row. */
    protected GgmlBlockScheme(GgmlType type, GgmlType fallback) {
        this(type, Optional.of(fallback));
    }

    private GgmlBlockScheme(GgmlType type, Optional<GgmlType> fallback) {
        this.type = type;
        this.fallback = fallback.map(f -> Encoding.of(f.typeName()));
        this.codec = Kernels.ggml(type).orElseThrow(
                () -> new IllegalStateException("the host's kernels have no " + type.typeName() + " codec"));
    }

    @Override
    public String id() {
        return type.typeName();
    }

    @Override
    public String description() {
        String bitsPerWeight = BigDecimal.valueOf(8L * type.typeSize())
                .divide(BigDecimal.valueOf(type.blockSize()))
                .stripTrailingZeros()
                .toPlainString();
        return String.format(Locale.ROOT, "ggml %s: blocks of %d values in %d bytes, %s bits per weight (byte-exact with ggml)",
                type.typeName().toUpperCase(Locale.ROOT), type.blockSize(), type.typeSize(), bitsPerWeight);
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        if (!params.isEmpty()) {
            String first = params.keySet().stream().sorted().findFirst().orElseThrow();
            throw new IllegalArgumentException(id() + " takes no parameters, got '" + first + "'");
        }
        return Encoding.of(id());
    }

    @Override
    public Optional<TensorType> fallback(Encoding encoding) {
        return fallback;
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        long rowLength = tensor.shape().rowLength();
        if (rowLength % type.blockSize() != 0) {
            return Optional.of("row length " + rowLength + " is not a multiple of " + type.blockSize()
                    + " (" + id() + " block)");
        }
        return Optional.empty();
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        return List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(tensor.shape().rows(), rowBytes(tensor))));
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        TensorInfo info = source.info();
        long rowBytes = rowBytes(info);
        TensorPart data = source.part(PartSpec.DATA);
        long expected = info.shape().rows() * rowBytes;
        if (data.spec().byteSize() != expected) {
            throw new IllegalArgumentException(info.name() + ": " + id() + " data of shape " + info.shape()
                    + " takes " + expected + " bytes, the part has " + data.spec().byteSize());
        }
        codec.dequantize(data.data(), firstRow * rowBytes, dst, dstOffset, values(info, rows));
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        long bytes = rows * rowBytes(tensor);
        if (out.length != 1 || out[0].byteSize() != bytes) {
            throw new IllegalArgumentException(tensor.name() + ": " + rows + " rows of " + id() + " take one part of "
                    + bytes + " bytes, got " + (out.length == 1 ? out[0].byteSize() + " bytes" : out.length + " parts"));
        }
        codec.quantize(src, srcOffset, values(tensor, rows), out[0], 0);
    }

    private long rowBytes(TensorInfo tensor) {
        fit(tensor).ifPresent(reason -> {
            throw new IllegalArgumentException(tensor.name() + ": " + reason);
        });
        return type.rowBytes(tensor.shape().rowLength());
    }

    private static int values(TensorInfo tensor, int rows) {
        return Math.toIntExact(rows * tensor.shape().rowLength());
    }
}
