package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The loops over the blocks of a run that every codec shares. A codec says how one block is
 * quantized and dequantized; one that works on several blocks at once (one vector lane per
 * block) overrides the run methods instead.
 */
abstract class AbstractBlockCodec implements BlockCodec {
    private final GgmlType type;

    AbstractBlockCodec(GgmlType type) {
        this.type = type;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public final void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        quantizeBlocks(src, srcOffset, Blocks.of(type, count), dst, dstOffset);
    }

    @Override
    public final void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        dequantizeBlocks(src, srcOffset, Blocks.of(type, count), dst, dstOffset);
    }

    /** Quantizes {@code blocks} whole blocks of {@code x} from {@code o} into {@code y} from {@code p}. */
    void quantizeBlocks(float[] x, int o, int blocks, MemorySegment y, long p) {
        int values = type.blockSize();
        int bytes = type.typeSize();
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(x, o + b * values, y, p + (long) b * bytes);
        }
    }

    /** Dequantizes {@code blocks} whole blocks of {@code x} from {@code p} into {@code y} from {@code o}. */
    void dequantizeBlocks(MemorySegment x, long p, int blocks, float[] y, int o) {
        int values = type.blockSize();
        int bytes = type.typeSize();
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(x, p + (long) b * bytes, y, o + b * values);
        }
    }

    abstract void quantizeBlock(float[] x, int o, MemorySegment y, long p);

    abstract void dequantizeBlock(MemorySegment x, long p, float[] y, int o);
}
