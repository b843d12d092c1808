package dev.requant.plugins.bnb;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * {@code bnb_int8}: bitsandbytes LLM.int8 weights ({@code load_in_8bit}), int8 codes with one
 * absmax per row: {@code (q * SCB[row]) * (1/127 in f32)}, bit for bit as bitsandbytes'
 * {@code int8_vectorwise_dequant}. No parameters. See {@link Int8Tensor} for the parts. Encoding
 * is not implemented yet.
 */
@Extension
public final class Int8Scheme implements QuantScheme {
    static final String ID = "bnb_int8";

    private final BnbKernels kernels;

    public Int8Scheme() {
        this(Kernels.bnb());
    }

    Int8Scheme(BnbKernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "bitsandbytes LLM.int8: int8 codes with an absmax (SCB) per row (decode only, exact)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        if (!params.isEmpty()) {
            throw new IllegalArgumentException(ID + " takes no parameters, got '"
                    + params.keySet().stream().sorted().findFirst().orElseThrow() + "'");
        }
        return Encoding.of(ID);
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return tensor.shape().rank() == 2 ? Optional.empty()
                : Optional.of("LLM.int8 stores 2-D weights, this one is " + tensor.shape().rank() + "-D");
    }

    /** The parts {@code Linear8bitLt} saves: codes, row scales and the row-major format flag. */
    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        fit(tensor).ifPresent(reason -> {
            throw new IllegalArgumentException(tensor.name() + ": " + reason);
        });
        return List.of(new PartSpec(Int8Tensor.WEIGHT, ElementType.I8, tensor.shape()),
                new PartSpec(Int8Tensor.SCB, ElementType.F32, Shape.of(tensor.shape().dim(0))),
                new PartSpec(Int8Tensor.WEIGHT_FORMAT, ElementType.U8, Shape.of()));
    }

    @Override
    public boolean canEncode(Encoding encoding) {
        return false;
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        Int8Tensor t;
        try {
            t = Int8Tensor.of(source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.info().name() + ": " + e.getMessage(), e);
        }
        kernels.dequantizeInt8Rows(t.weight().data(), t.scb().data(), firstRow, rows,
                Math.toIntExact(source.info().shape().rowLength()), dst, dstOffset);
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        throw new UnsupportedOperationException(ID + ": encoding is not implemented yet");
    }
}
