package dev.requant.kernels.internal.intpack;

import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar reference of {@link IntPackKernels}: one value at a time. */
public final class ScalarIntPackKernels implements IntPackKernels {
    public static final ScalarIntPackKernels INSTANCE = new ScalarIntPackKernels();

    private ScalarIntPackKernels() {
    }

    @Override
    public void unpack(IntPacking packing, int[] words, int first, int count, int[] codes, int codesOffset) {
        for (int i = 0; i < count; i++) {
            codes[codesOffset + i] = packing.field(words, (long) first + i);
        }
    }

    @Override
    public void unpackAcross(int bits, int[] words, int count, int[] order, int[] codes, int codesOffset,
                             int stride) {
        int mask = (1 << bits) - 1;
        for (int k = 0; k < count; k++) {
            int w = words[k];
            for (int f = 0; f < order.length; f++) {
                codes[codesOffset + order[f] * stride + k] = (w >>> (f * bits)) & mask;
            }
        }
    }

    @Override
    public void dequantGroups(int[] codes, int codesOffset, int count, int groupSize, int[] zeros, float[] scales,
                              float[] dst, int dstOffset) {
        for (int i = 0; i < count; i++) {
            int g = i / groupSize;
            dst[dstOffset + i] = (float) (codes[codesOffset + i] - zeros[g]) * scales[g];
        }
    }

    @Override
    public void dequantIndexed(int[] codes, int codesOffset, int count, int[] groups, int groupsOffset, int[] zeros,
                               float[] scales, float[] dst, int dstOffset) {
        for (int i = 0; i < count; i++) {
            int g = groups[groupsOffset + i];
            dst[dstOffset + i] = (float) (codes[codesOffset + i] - zeros[g]) * scales[g];
        }
    }

    @Override
    public void widenI8(MemorySegment src, long srcOffset, int[] codes, int codesOffset, int count) {
        for (int i = 0; i < count; i++) {
            codes[codesOffset + i] = src.get(ValueLayout.JAVA_BYTE, srcOffset + i);
        }
    }
}
