package dev.requant.kernels.intpack;

import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;

/** Little-endian 32-bit words from stored tensors into int arrays, for {@link IntPackKernels}. */
public final class Words {
    private Words() {
    }

    /** {@code count} consecutive words from byte {@code offset}. */
    public static void read(MemorySegment src, long offset, int[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, Layouts.I32, offset, dst, dstOffset, count);
    }

    /**
     * {@code count} words {@code strideBytes} apart from byte {@code offset}: a column of a
     * row-major int32 matrix, as GPTQ stores the codes of one output row.
     */
    public static void gather(MemorySegment src, long offset, long strideBytes, int[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(Layouts.I32, offset + i * strideBytes);
        }
    }
}
