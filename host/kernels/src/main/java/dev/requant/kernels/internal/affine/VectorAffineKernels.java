package dev.requant.kernels.internal.affine;

import dev.requant.kernels.affine.AffineKernels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarAffineKernels}, bit for bit.
 *
 * <p>A bit stream repeats its pattern every 8 values ({@code bits} bytes), so 16 values always
 * come from one 16-byte window: a byte shuffle gathers each value's low and next byte, and a
 * per-lane shift and mask cut the value out. Packed int32 words are split field by field across
 * lanes, one lane per word, and stored with a stride. Words of other widths are packed bit streams
 * when their width is a multiple of {@code bits}; otherwise (rare: 3-bit codes in int8 words, ...)
 * they take the scalar reference, as do all tails shorter than a vector.
 */
public final class VectorAffineKernels implements AffineKernels {
    public static final VectorAffineKernels INSTANCE = new VectorAffineKernels();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** The preferred int species, at most 16 lanes: one 16-value window fills whole vectors. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() > 16
            ? IntVector.SPECIES_512 : IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = I.withLanes(float.class);
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int L = I.length();
    private static final int PARTS = 16 / L;
    private static final ScalarAffineKernels TAIL = ScalarAffineKernels.INSTANCE;

    /** Per bit width, for the 16 values of a window: the byte holding each value's low bits... */
    private static final byte[] LOW_BYTE = new byte[9 * 16];
    /** ...the byte after it (clamped to the window: only read when the value reaches into it)... */
    private static final byte[] HIGH_BYTE = new byte[9 * 16];
    /** ...and the value's bit offset within its low byte. */
    private static final int[] SHIFT = new int[9 * 16];
    /** Per values-per-word count n: lane i of a vector of words goes to value i * n. */
    private static final int[] STRIDE = new int[33 * 16];

    static {
        for (int bits = 1; bits <= 8; bits++) {
            for (int j = 0; j < 16; j++) {
                int bit = j * bits;
                LOW_BYTE[bits * 16 + j] = (byte) (bit >>> 3);
                HIGH_BYTE[bits * 16 + j] = (byte) Math.min((bit >>> 3) + 1, 15);
                SHIFT[bits * 16 + j] = bit & 7;
            }
        }
        for (int n = 1; n <= 32; n++) {
            for (int i = 0; i < 16; i++) {
                STRIDE[n * 16 + i] = i * n;
            }
        }
    }

    private VectorAffineKernels() {
    }

    @Override
    public void unpackStream(MemorySegment src, long offset, int bits, int[] dst, int dstOffset, int count) {
        ScalarAffineKernels.checkBits(bits);
        int mask = (1 << bits) - 1;
        ByteVector low = ByteVector.fromArray(B16, LOW_BYTE, bits * 16);
        ByteVector high = ByteVector.fromArray(B16, HIGH_BYTE, bits * 16);
        long end = src.byteSize();
        int j = 0;
        // j is a multiple of 16, so the window of values j.. starts at byte j * bits / 8
        for (; j <= count - 16 && offset + (long) j * bits / 8 + 16 <= end; j += 16) {
            ByteVector window = ByteVector.fromMemorySegment(B16, src, offset + (long) j * bits / 8, LE);
            ByteVector lo = low.selectFrom(window);
            ByteVector hi = high.selectFrom(window);
            for (int k = 0; k < PARTS; k++) {
                IntVector l = (IntVector) lo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, k);
                IntVector h = (IntVector) hi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, k);
                l.or(h.lanewise(VectorOperators.LSHL, 8))
                        .lanewise(VectorOperators.LSHR, IntVector.fromArray(I, SHIFT, bits * 16 + k * L))
                        .and(mask)
                        .intoArray(dst, dstOffset + j + k * L);
            }
        }
        TAIL.unpackStream(src, offset + (long) j * bits / 8, bits, dst, dstOffset + j, count - j);
    }

    @Override
    public void unpackWords(MemorySegment src, long offset, int wordBytes, int bits, boolean signed,
                            int[] dst, int dstOffset, int count) {
        ScalarAffineKernels.checkBits(bits);
        int wordBits = 8 * wordBytes;
        if (wordBits % bits == 0) {
            // whole words of whole values: the same bits as a stream
            unpackStream(src, offset, bits, dst, dstOffset, count);
            if (signed) {
                signExtend(dst, dstOffset, count, bits);
            }
            return;
        }
        if (wordBytes != 4) {
            TAIL.unpackWords(src, offset, wordBytes, bits, signed, dst, dstOffset, count);
            return;
        }
        int n = 32 / bits;
        int mask = (1 << bits) - 1;
        int words = count / n;
        int w = 0;
        for (; w <= words - L; w += L) {
            IntVector x = IntVector.fromMemorySegment(I, src, offset + 4L * w, LE);
            for (int e = 0; e < n; e++) {
                IntVector v = signed
                        ? x.lanewise(VectorOperators.LSHL, 32 - (e + 1) * bits).lanewise(VectorOperators.ASHR, 32 - bits)
                        : x.lanewise(VectorOperators.LSHR, e * bits).and(mask);
                v.intoArray(dst, dstOffset + w * n + e, STRIDE, n * 16);
            }
        }
        TAIL.unpackWords(src, offset + 4L * w, 4, bits, signed, dst, dstOffset + w * n, count - w * n);
    }

    @Override
    public void extractField(MemorySegment src, long offset, int wordBytes, int shift, int bits, boolean signed,
                             int[] dst, int dstOffset, int count) {
        if (wordBytes != 4) {
            TAIL.extractField(src, offset, wordBytes, shift, bits, signed, dst, dstOffset, count);
            return;
        }
        ScalarAffineKernels.checkBits(bits);
        if (shift < 0 || shift + bits > 32) {
            throw new IllegalArgumentException("bits [" + shift + ", " + (shift + bits) + ") are not inside a 4-byte word");
        }
        int mask = (1 << bits) - 1;
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector x = IntVector.fromMemorySegment(I, src, offset + 4L * i, LE);
            IntVector v = signed
                    ? x.lanewise(VectorOperators.LSHL, 32 - shift - bits).lanewise(VectorOperators.ASHR, 32 - bits)
                    : x.lanewise(VectorOperators.LSHR, shift).and(mask);
            v.intoArray(dst, dstOffset + i);
        }
        TAIL.extractField(src, offset + 4L * i, 4, shift, bits, signed, dst, dstOffset + i, count - i);
    }

    @Override
    public void scaleBias(int[] q, int qOffset, float[] scales, float[] biases, int groupOffset, int groupSize,
                          float[] dst, int dstOffset, int count) {
        int i = 0;
        while (i < count) {
            int group = i / groupSize;
            int end = (int) Math.min(count, (long) (group + 1) * groupSize);
            float s = scales[groupOffset + group];
            float b = biases[groupOffset + group];
            FloatVector sv = FloatVector.broadcast(F, s);
            for (; i <= end - L; i += L) {
                FloatVector qv = (FloatVector) IntVector.fromArray(I, q, qOffset + i).convert(VectorOperators.I2F, 0);
                FloatVector r = sv.mul(qv).add(b);
                r.blend(Float.NaN, r.test(VectorOperators.IS_NAN)).intoArray(dst, dstOffset + i);
            }
            for (; i < end; i++) {
                dst[dstOffset + i] = ScalarAffineKernels.canonical(s * q[qOffset + i] + b);
            }
        }
    }

    @Override
    public void zeroScale(int[] q, int qOffset, int[] zeros, float[] scales, int groupOffset, int groupSize,
                          float[] dst, int dstOffset, int count) {
        if (groupSize == 1) {
            int i = 0;
            for (; i <= count - L; i += L) {
                IntVector d = IntVector.fromArray(I, q, qOffset + i).sub(IntVector.fromArray(I, zeros, groupOffset + i));
                ((FloatVector) d.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, scales, groupOffset + i))
                        .intoArray(dst, dstOffset + i);
            }
            TAIL.zeroScale(q, qOffset + i, zeros, scales, groupOffset + i, 1, dst, dstOffset + i, count - i);
            return;
        }
        int i = 0;
        while (i < count) {
            int group = i / groupSize;
            int end = (int) Math.min(count, (long) (group + 1) * groupSize);
            int z = zeros[groupOffset + group];
            float s = scales[groupOffset + group];
            for (; i <= end - L; i += L) {
                IntVector d = IntVector.fromArray(I, q, qOffset + i).sub(z);
                ((FloatVector) d.convert(VectorOperators.I2F, 0)).mul(s).intoArray(dst, dstOffset + i);
            }
            for (; i < end; i++) {
                dst[dstOffset + i] = (q[qOffset + i] - z) * s;
            }
        }
    }

    @Override
    public void zeroScaleGather(int[] q, int qOffset, int[] zeros, float[] scales, int[] groups, int groupsOffset,
                                float[] dst, int dstOffset, int count) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector z = IntVector.fromArray(I, zeros, 0, groups, groupsOffset + i);
            FloatVector s = FloatVector.fromArray(F, scales, 0, groups, groupsOffset + i);
            IntVector d = IntVector.fromArray(I, q, qOffset + i).sub(z);
            ((FloatVector) d.convert(VectorOperators.I2F, 0)).mul(s).intoArray(dst, dstOffset + i);
        }
        TAIL.zeroScaleGather(q, qOffset + i, zeros, scales, groups, groupsOffset + i, dst, dstOffset + i, count - i);
    }

    /** Two's complement {@code bits}-bit codes in place to ints. */
    private static void signExtend(int[] v, int offset, int count, int bits) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector.fromArray(I, v, offset + i).lanewise(VectorOperators.LSHL, 32 - bits)
                    .lanewise(VectorOperators.ASHR, 32 - bits).intoArray(v, offset + i);
        }
        for (; i < count; i++) {
            v[offset + i] = v[offset + i] << (32 - bits) >> (32 - bits);
        }
    }
}
