package dev.requant.kernels.internal.affine;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.affine.AffineKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar reference of {@link AffineKernels}: one value at a time. */
public final class ScalarAffineKernels implements AffineKernels {
    public static final ScalarAffineKernels INSTANCE = new ScalarAffineKernels();

    private ScalarAffineKernels() {
    }

    @Override
    public void unpackStream(MemorySegment src, long offset, int bits, int[] dst, int dstOffset, int count) {
        checkBits(bits);
        int mask = (1 << bits) - 1;
        for (int j = 0; j < count; j++) {
            long bit = (long) j * bits;
            long at = offset + (bit >>> 3);
            int shift = (int) (bit & 7);
            int v = (src.get(ValueLayout.JAVA_BYTE, at) & 0xFF) >>> shift;
            if (shift + bits > 8) {
                v |= (src.get(ValueLayout.JAVA_BYTE, at + 1) & 0xFF) << (8 - shift);
            }
            dst[dstOffset + j] = v & mask;
        }
    }

    @Override
    public void unpackWords(MemorySegment src, long offset, int wordBytes, int bits, boolean signed,
                            int[] dst, int dstOffset, int count) {
        checkBits(bits);
        int perWord = 8 * wordBytes / bits;
        for (int j = 0; j < count; j++) {
            long word = word(src, offset + (long) (j / perWord) * wordBytes, wordBytes);
            dst[dstOffset + j] = field(word, (j % perWord) * bits, bits, signed);
        }
    }

    @Override
    public void extractField(MemorySegment src, long offset, int wordBytes, int shift, int bits, boolean signed,
                             int[] dst, int dstOffset, int count) {
        checkBits(bits);
        if (shift < 0 || shift + bits > 8 * wordBytes) {
            throw new IllegalArgumentException("bits [" + shift + ", " + (shift + bits) + ") are not inside a "
                    + wordBytes + "-byte word");
        }
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = field(word(src, offset + (long) i * wordBytes, wordBytes), shift, bits, signed);
        }
    }

    @Override
    public void scaleBias(int[] q, int qOffset, float[] scales, float[] biases, int groupOffset, int groupSize,
                          float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            int g = groupOffset + i / groupSize;
            dst[dstOffset + i] = canonical(scales[g] * q[qOffset + i] + biases[g]);
        }
    }

    @Override
    public void zeroScale(int[] q, int qOffset, int[] zeros, float[] scales, int groupOffset, int groupSize,
                          float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            int g = groupOffset + i / groupSize;
            dst[dstOffset + i] = (q[qOffset + i] - zeros[g]) * scales[g];
        }
    }

    @Override
    public void zeroScaleGather(int[] q, int qOffset, int[] zeros, float[] scales, int[] groups, int groupsOffset,
                                float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            int g = groups[groupsOffset + i];
            dst[dstOffset + i] = (q[qOffset + i] - zeros[g]) * scales[g];
        }
    }

    /** The canonical quiet NaN for any NaN, other values as they are. */
    static float canonical(float v) {
        return v != v ? Float.NaN : v;
    }

    /** A little-endian word of 1, 2, 4 or 8 bytes, zero-extended. */
    static long word(MemorySegment src, long at, int wordBytes) {
        return switch (wordBytes) {
            case 1 -> src.get(ValueLayout.JAVA_BYTE, at) & 0xFFL;
            case 2 -> src.get(Layouts.I16, at) & 0xFFFFL;
            case 4 -> src.get(Layouts.I32, at) & 0xFFFFFFFFL;
            case 8 -> src.get(Layouts.I64, at);
            default -> throw new IllegalArgumentException(wordBytes + "-byte words do not exist; 1, 2, 4 or 8");
        };
    }

    /** Bits {@code [shift, shift + bits)} of a word, unsigned or sign-extended. */
    static int field(long word, int shift, int bits, boolean signed) {
        long f = (word >>> shift) & ((1L << bits) - 1);
        return signed ? (int) (f << (64 - bits) >> (64 - bits)) : (int) f;
    }

    static void checkBits(int bits) {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException(bits + "-bit codes: 1 to 8 bits are supported");
        }
    }
}
