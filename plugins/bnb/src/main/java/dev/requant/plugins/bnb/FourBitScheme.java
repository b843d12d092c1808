package dev.requant.plugins.bnb;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * bitsandbytes 4-bit weights ({@code Linear4bit}, {@code load_in_4bit}): the tensor flattened,
 * blocks of {@code block} values scaled by their absmax, each value a 4-bit code into the NF4 or
 * FP4 table; with {@code double_quant} the absmax values are 8-bit codes themselves. Decoding
 * gives bitsandbytes' f32 values bit for bit (before its cast to {@code dtype}), on any row range:
 * blocks run across rows. See {@link FourBitParams} for the parameters and {@link FourBitTensor}
 * for the parts. Encoding is not implemented yet. Each table is a subclass only because PF4J
 * creates extensions by their no-argument constructors.
 */
public abstract class FourBitScheme implements QuantScheme {
    private final FourBitCode code;
    private final BnbKernels kernels;

    protected FourBitScheme(FourBitCode code, BnbKernels kernels) {
        this.code = code;
        this.kernels = kernels;
    }

    /** {@code bnb_nf4} or {@code bnb_fp4}: prefixed, as other formats have FP4 types of their own. */
    static String schemeId(FourBitCode code) {
        return "bnb_" + code.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String id() {
        return schemeId(code);
    }

    @Override
    public String description() {
        return "bitsandbytes " + code + ": 4-bit codes with an absmax per block, optionally double-quantized"
                + " (decode only, exact)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return FourBitParams.parse(id(), params).encoding(id());
    }

    /** Any shape: blocks run across rows and the last one may be partial. */
    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return Optional.empty();
    }

    /**
     * Not known before encoding: the quant_state part holds the nested offset as JSON text, whose
     * length depends on its value.
     */
    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        throw new UnsupportedOperationException(id() + ": encoding is not implemented yet, so there is no layout to plan");
    }

    @Override
    public boolean canEncode(Encoding encoding) {
        return false;
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        FourBitTensor t;
        try {
            t = FourBitTensor.of(source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.info().name() + ": " + e.getMessage(), e);
        }
        long rowLength = source.info().shape().rowLength();
        long first = firstRow * rowLength;
        int count = Math.toIntExact(rows * rowLength);
        if (count == 0) {
            return;
        }
        int block = t.state().blockSize();
        long firstBlock = first / block;
        int blocks = Math.toIntExact((first + count - 1) / block - firstBlock + 1);
        float[] absmax = new float[blocks];
        MemorySegment stored = t.absmax().data();
        if (t.state().nested().isPresent()) {
            QuantState.Nested nested = t.state().nested().get();
            float[] map = new float[256];
            MemorySegment.copy(t.nestedQuantMap().orElseThrow().data(), Layouts.F32, 0, map, 0, map.length);
            kernels.dequantizeAbsmax(stored, firstBlock, blocks, map, t.nestedAbsmax().orElseThrow().data(),
                    nested.blockSize(), nested.offset(), absmax, 0);
        } else {
            MemorySegment.copy(stored, Layouts.F32, 4 * firstBlock, absmax, 0, blocks);
        }
        kernels.dequantize4bit(code, t.weight().data(), first, count, absmax, block, dst, dstOffset);
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        throw new UnsupportedOperationException(id() + ": encoding is not implemented yet");
    }
}
