package dev.requant.plugins.bnb;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * {@code bnb_int8}: bitsandbytes LLM.int8 weights ({@code load_in_8bit}), int8 codes with one
 * absmax per row: {@code (q * SCB[row]) * (1/127 in f32)}, bit for bit as bitsandbytes'
 * {@code int8_vectorwise_dequant}. No parameters. See {@link Int8Tensor} for the parts. Encoding
 * is bitsandbytes' {@code int8_vectorwise_quant}: per row {@code SCB = max |x|},
 * {@code q = round(x * (127 / SCB))}, half to even.
 */
@Extension
public final class BnbInt8Scheme implements QuantScheme {
    /** {@code weight_format} 0: row-major, the only layout current bitsandbytes reads. */
    private static final byte ROW_FORMAT = 0;

    private final BnbKernels kernels;

    public BnbInt8Scheme() {
        this(Kernels.bnb());
    }

    BnbInt8Scheme(BnbKernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public String id() {
        return BnbSchemeIds.INT8;
    }

    @Override
    public String description() {
        return "bitsandbytes LLM.int8: int8 codes with an absmax (SCB) per row (exact decoding, bitsandbytes' encoding)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        if (!params.isEmpty()) {
            throw new IllegalArgumentException(BnbSchemeIds.INT8 + " takes no parameters, got '"
                    + params.keySet().stream().sorted().findFirst().orElseThrow() + "'");
        }
        return Encoding.of(BnbSchemeIds.INT8);
    }

    /** A 2-D weight named {@code P.weight} (its row scales are stored as {@code P.SCB}), not an embedding. */
    @Override
    public Optional<String> fit(TensorInfo tensor) {
        if (tensor.shape().rank() != 2) {
            return Optional.of("LLM.int8 stores 2-D weights, this one is " + tensor.shape().rank() + "-D");
        }
        if (Embeddings.refusal(tensor).isPresent()) {
            return Embeddings.refusal(tensor);
        }
        return tensor.name().endsWith(Int8Tensor.WEIGHT) ? Optional.empty()
                : Optional.of("LLM.int8 stores the row scales of a weight P.weight as P.SCB; this tensor's name does not"
                        + " end with 'weight'");
    }

    /** The parts {@code Linear8bitLt} saves: codes, row scales and the row-major format flag. */
    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        fit(tensor).ifPresent(reason -> {
            throw new IllegalArgumentException(tensor.name() + ": " + reason);
        });
        return List.of(new PartSpec(Int8Tensor.WEIGHT, ElementType.I8, tensor.shape()),
                new PartSpec(Int8Tensor.SCB, ElementType.F32, Shape.of(tensor.shape().dim(0))),
                new PartSpec(Int8Tensor.WEIGHT_FORMAT, ElementType.U8, Shape.of(), PartSpec.Rows.NONE));
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
        float[] scb = new float[rows];
        Kernels.bnbEncode().quantizeInt8Rows(src, srcOffset, rows, Math.toIntExact(tensor.shape().rowLength()), out[0], 0,
                scb, 0);
        MemorySegment.copy(scb, 0, out[1], Layouts.F32, 0, rows);
        out[2].set(ValueLayout.JAVA_BYTE, 0, ROW_FORMAT);
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        return new TensorEncoder() {
            @Override
            public void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] out) {
                BnbInt8Scheme.this.encode(tensor, src, srcOffset, rows, out);
            }

            @Override
            public void finish(MemorySegment[] out) {
                out[2].set(ValueLayout.JAVA_BYTE, 0, ROW_FORMAT);
            }
        };
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(BnbLayout.int8());
    }
}
