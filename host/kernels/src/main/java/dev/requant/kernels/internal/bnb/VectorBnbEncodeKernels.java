package dev.requant.kernels.internal.bnb;

import dev.requant.kernels.bnb.BnbEncodeKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarBnbEncodeKernels}, bit for bit. A maximum does not depend on
 * the order it is taken in, so block absmax values are reduced across lanes; a 4-bit code is the
 * number of the tree's thresholds a value exceeds (the tree is a binary search over them), counted
 * lane by lane with the same strict comparisons; int8 codes are the same product and rounding per
 * lane. The 8-bit codes of double quantization (one value per 4-bit block, a 64th of the work) use
 * the scalar binary search.
 */
public final class VectorBnbEncodeKernels implements BnbEncodeKernels {
    public static final VectorBnbEncodeKernels INSTANCE = new VectorBnbEncodeKernels();

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
    /** The NF4 tree's thresholds in ascending order: code = how many of them a value exceeds. */
    private static final float[] NF4_THRESHOLDS = {-0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f,
        -0.33967943489551544f, -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f,
        0.03979014977812767f, 0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f};
    /** The FP4 tree's magnitude thresholds in ascending order; the count is mapped to a code below. */
    private static final float[] FP4_THRESHOLDS = {0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f,
        0.583333f, 0.8333333f};

    private static final ScalarBnbEncodeKernels TAIL = ScalarBnbEncodeKernels.INSTANCE;

    private VectorBnbEncodeKernels() {
    }

    @Override
    public void absmax(float[] src, int offset, int count, int blockSize, float[] dst, int dstOffset) {
        for (int start = 0, b = 0; start < count; start += blockSize, b++) {
            dst[dstOffset + b] = blockAbsmax(src, offset + start, Math.min(blockSize, count - start));
        }
    }

    private static float blockAbsmax(float[] src, int from, int count) {
        int i = 0;
        float m = -Float.MAX_VALUE;
        if (count >= L) {
            FloatVector acc = FloatVector.broadcast(F, -Float.MAX_VALUE);
            for (; i + L <= count; i += L) {
                acc = acc.max(FloatVector.fromArray(F, src, from + i).abs());
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < count; i++) {
            m = Math.max(m, Math.abs(src[from + i]));
        }
        return m;
    }

    @Override
    public void quantize4bit(FourBitCode code, float[] src, int offset, int count, float[] absmax, int blockSize,
                             MemorySegment packed, long packedOffset) {
        int[] codes = new int[count + 1];
        for (int start = 0, b = 0; start < count; start += blockSize, b++) {
            int n = Math.min(blockSize, count - start);
            float inv = 1.0f / absmax[b];
            int i = 0;
            FloatVector scale = FloatVector.broadcast(F, inv);
            for (; i + L <= n; i += L) {
                FloatVector x = FloatVector.fromArray(F, src, offset + start + i).mul(scale);
                IntVector c = code == FourBitCode.NF4 ? nf4(x) : fp4(x);
                c.intoArray(codes, start + i);
            }
            for (; i < n; i++) {
                codes[start + i] = ScalarBnbEncodeKernels.quantize(code, src[offset + start + i] * inv);
            }
            if (start + n == count && (count & 1) == 1) {
                codes[count] = ScalarBnbEncodeKernels.quantize(code, 0.0f * inv);
            }
        }
        for (int i = 0; i < count; i += 2) {
            packed.set(ValueLayout.JAVA_BYTE, packedOffset + i / 2, (byte) (codes[i] << 4 | codes[i + 1]));
        }
    }

    private static IntVector nf4(FloatVector x) {
        IntVector c = IntVector.zero(I);
        for (float t : NF4_THRESHOLDS) {
            c = c.add(1, x.compare(VectorOperators.GT, t).cast(I));
        }
        return c;
    }

    private static IntVector fp4(FloatVector x) {
        VectorMask<Integer> negative = x.compare(VectorOperators.LT, 0f).cast(I);
        FloatVector a = x.abs();
        IntVector c = IntVector.zero(I);
        for (float t : FP4_THRESHOLDS) {
            c = c.add(1, a.compare(VectorOperators.GT, t).cast(I));
        }
        // counts 0..7 are the codes 0, 1, 6, 7, 4, 5, 2, 3: from 2 on, pairs in descending order
        IntVector paired = IntVector.broadcast(I, 8).sub(c.and(~1)).or(c.and(1));
        c = c.blend(paired, c.compare(VectorOperators.GE, 2));
        return c.add(8, negative);
    }

    @Override
    public void quantizeBlockwise8bit(float[] src, int offset, int count, float[] map, int blockSize,
                                      float[] blockAbsmax, MemorySegment codes, long codesOffset) {
        for (int start = 0, b = 0; start < count; start += blockSize, b++) {
            int n = Math.min(blockSize, count - start);
            float m = blockAbsmax(src, offset + start, n);
            blockAbsmax[b] = m;
            float inv = 1.0f / m;
            for (int i = 0; i < n; i++) {
                codes.set(ValueLayout.JAVA_BYTE, codesOffset + start + i,
                        (byte) ScalarBnbEncodeKernels.dynamic(map, src[offset + start + i] * inv));
            }
        }
    }

    @Override
    public void quantizeInt8Rows(float[] src, int offset, int rows, int rowLength, MemorySegment q, long qOffset,
                                 float[] scb, int scbOffset) {
        int[] codes = new int[rowLength];
        for (int r = 0; r < rows; r++) {
            int from = offset + r * rowLength;
            float absmax = blockAbsmax(src, from, rowLength);
            scb[scbOffset + r] = absmax;
            float scale = 127.0f / absmax;
            FloatVector s = FloatVector.broadcast(F, scale);
            int j = 0;
            for (; j + L <= rowLength; j += L) {
                FloatVector v = FloatVector.fromArray(F, src, from + j).mul(s);
                roundHalfEven(v).intoArray(codes, j);
            }
            for (; j < rowLength; j++) {
                codes[j] = ScalarBnbEncodeKernels.int8(src[from + j] * scale);
            }
            for (int k = 0; k < rowLength; k++) {
                q.set(ValueLayout.JAVA_BYTE, qOffset + (long) r * rowLength + k, (byte) codes[k]);
            }
        }
    }

    /**
     * {@code (int) Math.rint(v)} per lane: values of an int8 row are within [-127.5, 127.5], far
     * inside the range where {@code v + 1.5 * 2^23 - 1.5 * 2^23} rounds half to even; NaN becomes 0.
     */
    private static IntVector roundHalfEven(FloatVector v) {
        FloatVector magic = FloatVector.broadcast(F, 12582912f);
        FloatVector r = v.add(magic).sub(magic);
        FloatVector clean = r.blend(0f, v.test(VectorOperators.IS_NAN));
        return (IntVector) clean.convert(VectorOperators.F2I, 0);
    }
}
