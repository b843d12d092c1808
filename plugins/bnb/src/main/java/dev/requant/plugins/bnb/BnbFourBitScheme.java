package dev.requant.plugins.bnb;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * bitsandbytes 4-bit weights ({@code Linear4bit}, {@code load_in_4bit}): the tensor flattened,
 * blocks of {@code block} values scaled by their absmax, each value a 4-bit code into the NF4 or
 * FP4 table; with {@code double_quant} the absmax values are 8-bit codes themselves. Decoding
 * gives bitsandbytes' f32 values bit for bit (before its cast to {@code dtype}), on any row range:
 * blocks run across rows. See {@link FourBitParams} for the parameters and {@link FourBitTensor}
 * for the parts. Encoding is bitsandbytes' own ({@link FourBitEncoder}), for the block sizes its
 * kernels have (powers of two from 32 to 4096). Each table is a subclass only because PF4J
 * creates extensions by their no-argument constructors.
 */
public abstract class BnbFourBitScheme implements QuantScheme {
    private final FourBitCode code;
    private final BnbKernels kernels;

    protected BnbFourBitScheme(FourBitCode code, BnbKernels kernels) {
        this.code = code;
        this.kernels = kernels;
    }

    @Override
    public String id() {
        return BnbSchemeIds.fourBit(code);
    }

    @Override
    public String description() {
        return "bitsandbytes " + code + ": 4-bit codes with an absmax per block, optionally double-quantized"
                + " (exact decoding, bitsandbytes' encoding)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return FourBitParams.parse(id(), params).encoding(id());
    }

    /**
     * Any shape (blocks run across rows and the last one may be partial), but not an embedding:
     * transformers turns only Linear layers into bitsandbytes layers, so a quantized embedding
     * would not load.
     */
    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return Embeddings.refusal(tensor);
    }

    /**
     * bitsandbytes' tensors: {@code weight} U8 {@code [ceil(n/2), 1]}, {@code absmax} (F32, or U8
     * codes with double quantization) per block, {@code quant_map}, with double quantization
     * {@code nested_absmax} per 256 blocks and {@code nested_quant_map}, and the {@code quant_state}
     * JSON (with room for the longest offset, which is only known once the tensor is seen).
     */
    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        FourBitParams p = params(tensor);
        long n = tensor.shape().numel();
        long blocks = QuantState.ceilDiv(n, p.block());
        List<PartSpec> parts = new ArrayList<>();
        parts.add(new PartSpec(FourBitTensor.WEIGHT, ElementType.U8, Shape.of(QuantState.ceilDiv(n, 2), 1)));
        parts.add(new PartSpec(FourBitTensor.ABSMAX, p.doubleQuant() ? ElementType.U8 : ElementType.F32, Shape.of(blocks)));
        parts.add(new PartSpec(FourBitTensor.QUANT_MAP, ElementType.F32, Shape.of(16), PartSpec.Rows.NONE));
        if (p.doubleQuant()) {
            parts.add(new PartSpec(FourBitTensor.NESTED_ABSMAX, ElementType.F32,
                    Shape.of(QuantState.ceilDiv(blocks, QuantState.NESTED_BLOCK))));
            parts.add(new PartSpec(FourBitTensor.NESTED_QUANT_MAP, ElementType.F32, Shape.of(256), PartSpec.Rows.NONE));
        }
        parts.add(new PartSpec(FourBitTensor.QUANT_STATE, ElementType.U8, Shape.of(QuantState.packedLength(code,
                p.block(), p.dtype(), tensor.shape(), p.doubleQuant())), PartSpec.Rows.NONE));
        return parts;
    }

    /**
     * Chunks hold whole blocks (whole groups of 256 blocks with double quantization), so that each
     * chunk's codes and scales are a byte range of the tensor's. When the values do not end on such
     * a unit, the proportional ranges would be off by the partial unit: the tensor is then one chunk.
     */
    @Override
    public int rowAlignment(TensorInfo tensor) {
        FourBitParams p = params(tensor);
        long unit = (long) p.block() * (p.doubleQuant() ? QuantState.NESTED_BLOCK : 1);
        long rows = tensor.shape().rows();
        if (tensor.shape().numel() % unit != 0) {
            return Math.toIntExact(Math.max(rows, 1));
        }
        long rowLength = tensor.shape().rowLength();
        return Math.toIntExact(unit / gcd(unit, rowLength));
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** bitsandbytes quantizes with blocks of 32 to 4096 values, powers of two. */
    @Override
    public boolean canEncode(Encoding encoding) {
        int block = FourBitParams.parse(id(), encoding.params()).block();
        return block >= 32 && block <= 4096 && Integer.bitCount(block) == 1;
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        return new FourBitEncoder(code, params(tensor), tensor.shape(), Kernels.bnbEncode());
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(BnbLayout.fourBit(code));
    }

    private FourBitParams params(TensorInfo tensor) {
        return FourBitParams.parse(id(), ((Encoding) tensor.type()).params());
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
}
