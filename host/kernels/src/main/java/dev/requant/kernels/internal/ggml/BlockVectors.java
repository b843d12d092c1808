package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Species and block reductions of the vector block codecs. A block of 32 values spans
 * {@link #PER_BLOCK} float vectors; 16 values (one byte vector of output) span {@link #PER_16}.
 * Minimum and maximum are exact in any order, so they reduce across the lanes of a block; where
 * ggml keeps the first of equal candidates, the candidates' lane bits say which.
 *
 * <p>Vectors never cross a method boundary of this package: C2 inlines at its discretion, and a
 * vector passed to a method it did not inline is boxed on the heap. Helpers here take and return
 * scalars.
 */
final class BlockVectors {
    /** The preferred float species, at most 16 lanes so that a vector never spans two blocks. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final int L = F.length();
    static final int PER_BLOCK = 32 / L;
    static final int PER_16 = 16 / L;

    private BlockVectors() {
    }

    /** The largest |x| of the block at {@code o}; NaN when the block holds a NaN. */
    static float absMax(float[] x, int o) {
        // |x| as bits orders as ints, NaNs above infinity, and int max is one instruction where
        // float max pays for Java's NaN and signed-zero rules
        IntVector m = FloatVector.fromArray(F, x, o).reinterpretAsInts().and(0x7FFFFFFF);
        for (int k = 1; k < PER_BLOCK; k++) {
            m = m.max(FloatVector.fromArray(F, x, o + k * L).reinterpretAsInts().and(0x7FFFFFFF));
        }
        return Float.intBitsToFloat(m.reduceLanes(VectorOperators.MAX));
    }

    /**
     * The smallest and the largest value of the block, as {@code min} bits in the high and
     * {@code max} bits in the low half; either is NaN when the block holds a NaN. Float bits are
     * compared as ints after reversing the order of negative magnitudes: positive NaNs come above
     * +inf, negative NaNs below -inf, -0 just below +0.
     */
    static long minMax(float[] x, int o) {
        IntVector bits = FloatVector.fromArray(F, x, o).reinterpretAsInts();
        IntVector min = bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).and(0x7FFFFFFF));
        IntVector max = min;
        for (int k = 1; k < PER_BLOCK; k++) {
            bits = FloatVector.fromArray(F, x, o + k * L).reinterpretAsInts();
            IntVector ordered = bits.lanewise(VectorOperators.XOR,
                    bits.lanewise(VectorOperators.ASHR, 31).and(0x7FFFFFFF));
            min = min.min(ordered);
            max = max.max(ordered);
        }
        return (long) unorder(min.reduceLanes(VectorOperators.MIN)) << 32
                | unorder(max.reduceLanes(VectorOperators.MAX)) & 0xFFFFFFFFL;
    }

    private static int unorder(int v) {
        return v ^ ((v >> 31) & 0x7FFFFFFF);
    }

    static float minOf(long minMax) {
        return Float.intBitsToFloat((int) (minMax >>> 32));
    }

    static float maxOf(long minMax) {
        return Float.intBitsToFloat((int) minMax);
    }

    /** Whether none of the {@code n} values from {@code x[o]} (n a multiple of 32) is infinite or NaN. */
    static boolean allFinite(float[] x, int o, int n) {
        // |x| as bits is below the bits of infinity exactly for finite x
        IntVector m = IntVector.zero(I);
        for (int k = 0; k < n; k += L) {
            m = m.max(FloatVector.fromArray(F, x, o + k).reinterpretAsInts().and(0x7FFFFFFF));
        }
        return m.reduceLanes(VectorOperators.MAX) < 0x7F800000;
    }

    /** The first value of the block whose magnitude is {@code a}, which must occur. */
    static float firstWithAbs(float[] x, int o, float a) {
        long bits = 0;
        for (int k = 0; k < PER_BLOCK; k++) {
            bits |= FloatVector.fromArray(F, x, o + k * L).abs().compare(VectorOperators.EQ, a).toLong() << (k * L);
        }
        return x[o + Long.numberOfTrailingZeros(bits)];
    }

    /**
     * ggml's minimum from the reduced one: ggml starts its scan at {@code FLT_MAX}, which a block
     * of +inf keeps, and keeps the first of equal values, which tells a zero's sign.
     */
    static float scanMin(float[] x, int o, float min) {
        return min == 0 ? firstWithAbs(x, o, 0) : Math.min(min, Float.MAX_VALUE);
    }

    /** ggml's maximum from the reduced one, as {@link #scanMin} with {@code -FLT_MAX}. */
    static float scanMax(float[] x, int o, float max) {
        return max == 0 ? firstWithAbs(x, o, 0) : Math.max(max, -Float.MAX_VALUE);
    }

    /**
     * ggml's signed maximum of the block at {@code o}: the first value of largest magnitude, +0
     * when all are zeros (whatever their signs); NaN when the block holds a NaN.
     */
    static float signedMax(float[] x, int o) {
        float amax = absMax(x, o);
        return amax == 0 || Float.isNaN(amax) ? Math.abs(amax) : firstWithAbs(x, o, amax);
    }

    /**
     * ggml's minimum and maximum of the block at {@code o} (scans from {@code FLT_MAX} and
     * {@code -FLT_MAX}), packed as {@link #minMax} packs them; either is NaN when the block holds
     * a NaN.
     */
    static long range(float[] x, int o) {
        long minMax = minMax(x, o);
        float min = minOf(minMax);
        float max = maxOf(minMax);
        if (Float.isNaN(min) || Float.isNaN(max)) {
            return minMax;
        }
        return (long) Float.floatToRawIntBits(scanMin(x, o, min)) << 32
                | Float.floatToRawIntBits(scanMax(x, o, max)) & 0xFFFFFFFFL;
    }

    /**
     * The 16 nibble bytes at {@code at} of {@code q = min(15, (int) ((x - sub) * mul + add))}:
     * value j in the low nibble of byte j, value j+16 in the high one. {@code mul} is finite, so
     * every q fits a nibble.
     */
    static void nibbles(float[] x, int o, float sub, float mul, float add, MemorySegment y, long at) {
        ByteVector qs = ByteVector.zero(B16);
        for (int k = 0; k < PER_16; k++) {
            IntVector lo = (IntVector) FloatVector.fromArray(F, x, o + k * L).sub(sub).mul(mul).add(add)
                    .convert(VectorOperators.F2I, 0);
            IntVector hi = (IntVector) FloatVector.fromArray(F, x, o + 16 + k * L).sub(sub).mul(mul).add(add)
                    .convert(VectorOperators.F2I, 0);
            IntVector pair = lo.min(15).or(hi.min(15).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
        }
        qs.intoMemorySegment(y, at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The five-bit twin of {@link #nibbles}, {@code q = min(31, ...)}: bit 4 of value j in bit j
     * of the little-endian {@code qh} at {@code qhAt}, the low four bits as nibbles at
     * {@code qsAt}.
     */
    static void fiveBits(float[] x, int o, float sub, float mul, float add, MemorySegment y, long qhAt, long qsAt) {
        ByteVector qs = ByteVector.zero(B16);
        long qh = 0;
        for (int k = 0; k < PER_16; k++) {
            IntVector lo = ((IntVector) FloatVector.fromArray(F, x, o + k * L).sub(sub).mul(mul).add(add)
                    .convert(VectorOperators.F2I, 0)).min(31);
            IntVector hi = ((IntVector) FloatVector.fromArray(F, x, o + 16 + k * L).sub(sub).mul(mul).add(add)
                    .convert(VectorOperators.F2I, 0)).min(31);
            IntVector pair = lo.and(0x0F).or(hi.and(0x0F).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
            qh |= lo.and(0x10).compare(VectorOperators.NE, 0).toLong() << (k * L)
                    | hi.and(0x10).compare(VectorOperators.NE, 0).toLong() << (16 + k * L);
        }
        y.set(Layouts.I32, qhAt, (int) qh);
        qs.intoMemorySegment(y, qsAt, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@code y[o+i] = q[at+i] * mul - sub} for 16 small signed integers {@code q}: the last step
     * of every block decoder ({@code sub = +0} where a format has no minimum leaves the products
     * as they are).
     */
    static void scale16(byte[] q, int at, float mul, float sub, float[] y, int o) {
        ByteVector v = ByteVector.fromArray(B16, q, at);
        for (int k = 0; k < PER_16; k++) {
            ((FloatVector) v.convertShape(VectorOperators.B2F, F, k)).mul(mul).sub(sub).intoArray(y, o + k * L);
        }
    }

    /**
     * Looks the 32 nibbles of the 16 bytes at {@code b[at]} up in a 16-entry {@code table}:
     * the low nibbles' entries go to {@code q[qAt..]}, the high nibbles' to {@code q[qAt+16..]}.
     */
    static void lookupNibbles(byte[] table, byte[] b, int at, byte[] q, int qAt) {
        ByteVector entries = ByteVector.fromArray(B16, table, 0);
        ByteVector qs = ByteVector.fromArray(B16, b, at);
        qs.and((byte) 0x0F).selectFrom(entries).intoArray(q, qAt);
        qs.lanewise(VectorOperators.LSHR, 4).selectFrom(entries).intoArray(q, qAt + 16);
    }
}
