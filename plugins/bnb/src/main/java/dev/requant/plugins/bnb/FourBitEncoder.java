package dev.requant.plugins.bnb;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbEncodeKernels;
import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorEncoder;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Encodes one tensor as bitsandbytes' {@code quantize_4bit} does: flattened, absmax per block, codes
 * by the CUDA kernel's tree; with double quantization the absmax values minus their mean (over the
 * whole tensor: the prepass) are quantized in blocks of 256 with the dynamic map. Chunks start on
 * block boundaries (nested-block boundaries with double quantization), so each chunk's parts are
 * the byte ranges of the whole tensor's. Parts in {@link FourBitTensor#ROLES} order.
 */
final class FourBitEncoder implements TensorEncoder {
    private static final float[] NESTED_MAP = DynamicMap.values();

    private final FourBitCode code;
    private final FourBitParams params;
    private final Shape shape;
    private final int rowLength;
    private final BnbEncodeKernels kernels;
    private final ExactMean absmaxMean = new ExactMean();
    private volatile Float offset;

    FourBitEncoder(FourBitCode code, FourBitParams params, Shape shape, BnbEncodeKernels kernels) {
        this.code = code;
        this.params = params;
        this.shape = shape;
        this.rowLength = Math.toIntExact(shape.rowLength());
        this.kernels = kernels;
    }

    @Override
    public boolean needsPrepass() {
        return params.doubleQuant();
    }

    @Override
    public void observe(float[] src, int srcOffset, long firstRow, int rows) {
        float[] absmax = absmax(src, srcOffset, rows * rowLength);
        absmaxMean.add(absmax, 0, absmax.length);
    }

    private float[] absmax(float[] src, int srcOffset, int count) {
        float[] absmax = new float[Math.ceilDiv(count, params.block())];
        kernels.absmax(src, srcOffset, count, params.block(), absmax, 0);
        return absmax;
    }

    /** The mean of every block's absmax, fixed once the prepass is over. */
    private float offset() {
        Float o = offset;
        if (o == null) {
            synchronized (this) {
                if (offset == null) {
                    offset = absmaxMean.mean();
                }
                o = offset;
            }
        }
        return o;
    }

    @Override
    public void encode(float[] src, int srcOffset, long firstRow, int rows, MemorySegment[] out) {
        int count = rows * rowLength;
        float[] absmax = absmax(src, srcOffset, count);
        kernels.quantize4bit(code, src, srcOffset, count, absmax, params.block(), out[0], 0);
        if (params.doubleQuant()) {
            float mean = offset();
            float[] centred = new float[absmax.length];
            for (int b = 0; b < absmax.length; b++) {
                centred[b] = absmax[b] - mean;
            }
            float[] nested = new float[Math.ceilDiv(absmax.length, QuantState.NESTED_BLOCK)];
            kernels.quantizeBlockwise8bit(centred, 0, centred.length, NESTED_MAP, QuantState.NESTED_BLOCK, nested,
                    out[1], 0);
            MemorySegment.copy(nested, 0, out[3], Layouts.F32, 0, nested.length);
        } else {
            MemorySegment.copy(absmax, 0, out[1], Layouts.F32, 0, absmax.length);
        }
        wholeParts(Shape.of(rows, rowLength), out);
    }

    @Override
    public void finish(MemorySegment[] out) {
        wholeParts(shape, out);
    }

    /** The parts that describe a tensor of this shape: the code table, the nested map, the quant_state. */
    private void wholeParts(Shape of, MemorySegment[] out) {
        MemorySegment.copy(code.levels(), 0, out[2], Layouts.F32, 0, 16);
        Optional<QuantState.Nested> nested = Optional.empty();
        if (params.doubleQuant()) {
            MemorySegment.copy(NESTED_MAP, 0, out[4], Layouts.F32, 0, NESTED_MAP.length);
            nested = Optional.of(new QuantState.Nested(QuantState.NESTED_BLOCK, offset()));
        }
        MemorySegment state = out[out.length - 1];
        byte[] json = new QuantState(code, params.block(), params.dtype(), of, nested)
                .packed(Math.toIntExact(state.byteSize()));
        MemorySegment.copy(MemorySegment.ofArray(json), 0, state, 0, json.length);
    }
}
