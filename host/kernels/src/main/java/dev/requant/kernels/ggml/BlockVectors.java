package dev.requant.kernels.ggml;

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
}
