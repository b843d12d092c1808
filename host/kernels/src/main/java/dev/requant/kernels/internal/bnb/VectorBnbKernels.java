package dev.requant.kernels.internal.bnb;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarBnbKernels}, bit for bit: every value is the same one or two
 * f32 operations on the same operands, only several lanes at a time. The 4-bit codes are looked up
 * by a lane permutation of the 16-entry table held in registers, the 256-entry map of double
 * quantization by a gather. Values that do not fill a vector step, a range starting on a low
 * nibble and the ends of blocks go to the scalar reference's formula.
 *
 * <p>As in the ggml codecs, vectors never cross a method boundary: C2 inlines at its discretion,
 * and a vector passed to a method it did not inline is boxed on the heap.
 */
public final class VectorBnbKernels implements BnbKernels {
    public static final VectorBnbKernels INSTANCE = new VectorBnbKernels();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Lanes per float vector: 4 (128-bit), 8 (AVX2) or 16 (AVX-512) on the machines requant runs on. */
    private static final int L = F.length();
    /** Bytes loaded at once: at least 64 bits, as no narrower byte vector exists; one or two int vectors' worth. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L)));
    private static final int NB = B.length();
    private static final int PARTS = NB / L;
    /** 4-bit values decoded per step: two per loaded byte. */
    private static final int STEP = 2 * NB;
    /** Lane k of an int vector of bytes takes byte k/2 of the first or the second half. */
    private static final VectorShuffle<Integer> FIRST_HALF = VectorShuffle.fromOp(I, k -> k / 2);
    private static final VectorShuffle<Integer> SECOND_HALF = VectorShuffle.fromOp(I, k -> L / 2 + k / 2);
    /** Even lanes take the high nibble (shift by 4), odd lanes the low one. */
    private static final int[] NIBBLE_SHIFTS = shifts();
    /** The code tables padded to whole vectors. */
    private static final float[][] TABLES = tables();

    private static final ScalarBnbKernels TAIL = ScalarBnbKernels.INSTANCE;

    private VectorBnbKernels() {
    }

    private static int[] shifts() {
        int[] s = new int[L];
        for (int k = 0; k < L; k += 2) {
            s[k] = 4;
        }
        return s;
    }

    private static float[][] tables() {
        float[][] t = new float[FourBitCode.values().length][];
        for (FourBitCode c : FourBitCode.values()) {
            t[c.ordinal()] = Arrays.copyOf(c.levels(), Math.max(16, L));
        }
        return t;
    }

    @Override
    public void dequantize4bit(FourBitCode code, MemorySegment packed, long first, int count, float[] absmax,
                               int blockSize, float[] dst, int dstOffset) {
        float[] table = TABLES[code.ordinal()];
        // the table in 16/L vectors (one when a vector holds 16 lanes or more)
        FloatVector t0 = FloatVector.fromArray(F, table, 0);
        FloatVector t1 = L < 16 ? FloatVector.fromArray(F, table, L) : t0;
        FloatVector t2 = L < 8 ? FloatVector.fromArray(F, table, 2 * L) : t0;
        FloatVector t3 = L < 8 ? FloatVector.fromArray(F, table, 3 * L) : t0;
        IntVector shifts = IntVector.fromArray(I, NIBBLE_SHIFTS, 0);
        long firstBlock = first / blockSize;
        int i = 0;
        while (i < count) {
            long block = (first + i) / blockSize;
            int end = (int) Math.min(count, (block + 1) * blockSize - first);
            float a = absmax[(int) (block - firstBlock)];
            if (((first + i) & 1) != 0) {
                dst[dstOffset + i] = ScalarBnbKernels.fourBit(table, packed, first + i, a);
                i++;
            }
            for (; i <= end - STEP; i += STEP) {
                ByteVector bytes = ByteVector.fromMemorySegment(B, packed, (first + i) >>> 1, LE);
                for (int p = 0; p < PARTS; p++) {
                    IntVector w = (IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    for (int half = 0; half < 2; half++) {
                        IntVector c = w.rearrange(half == 0 ? FIRST_HALF : SECOND_HALF)
                                .lanewise(VectorOperators.LSHR, shifts).and(0x0F);
                        FloatVector v;
                        if (L >= 16) {
                            v = t0.rearrange(c.toShuffle().cast(F));
                        } else if (L == 8) {
                            // codes 8..15 are exceptional indexes of an 8-lane shuffle: they pick from t1
                            v = t0.rearrange(c.toShuffle().cast(F), t1);
                        } else {
                            VectorShuffle<Float> s = c.and(7).toShuffle().cast(F);
                            v = t0.rearrange(s, t1).blend(t2.rearrange(s, t3),
                                    c.compare(VectorOperators.GE, 8).cast(F));
                        }
                        v.mul(a).intoArray(dst, dstOffset + i + 2 * p * L + half * L);
                    }
                }
            }
            for (; i < end; i++) {
                dst[dstOffset + i] = ScalarBnbKernels.fourBit(table, packed, first + i, a);
            }
        }
    }

    @Override
    public void dequantizeAbsmax(MemorySegment codes, long firstBlock, int count, float[] map,
                                 MemorySegment nestedAbsmax, int nestedBlockSize, float offset, float[] dst,
                                 int dstOffset) {
        if (map.length < 256) {
            throw new IllegalArgumentException("the map of double quantization has " + map.length
                    + " values, codes need 256");
        }
        int[] index = new int[L];
        int i = 0;
        while (i < count) {
            long group = (firstBlock + i) / nestedBlockSize;
            int end = (int) Math.min(count, (group + 1) * nestedBlockSize - firstBlock);
            float scale = nestedAbsmax.get(Layouts.F32, 4 * group);
            for (; i <= end - NB; i += NB) {
                ByteVector bytes = ByteVector.fromMemorySegment(B, codes, firstBlock + i, LE);
                for (int p = 0; p < PARTS; p++) {
                    ((IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).intoArray(index, 0);
                    FloatVector sum = FloatVector.fromArray(F, map, 0, index, 0).mul(scale).add(offset);
                    sum.blend(Float.NaN, sum.test(VectorOperators.IS_NAN)).intoArray(dst, dstOffset + i + p * L);
                }
            }
            TAIL.dequantizeAbsmax(codes, firstBlock + i, end - i, map, nestedAbsmax, nestedBlockSize, offset, dst,
                    dstOffset + i);
            i = end;
        }
    }

    @Override
    public void dequantizeInt8Rows(MemorySegment q, MemorySegment scb, long firstRow, int rows, int rowLength,
                                   float[] dst, int dstOffset) {
        for (int r = 0; r < rows; r++) {
            long row = firstRow + r;
            float s = scb.get(Layouts.F32, 4 * row);
            long at = row * rowLength;
            int o = dstOffset + r * rowLength;
            int j = 0;
            for (; j <= rowLength - NB; j += NB) {
                ByteVector bytes = ByteVector.fromMemorySegment(B, q, at + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, p)).mul(s).mul(INT8_SCALE)
                            .intoArray(dst, o + j + p * L);
                }
            }
            for (; j < rowLength; j++) {
                dst[o + j] = ScalarBnbKernels.int8(q.get(ValueLayout.JAVA_BYTE, at + j), s);
            }
        }
    }
}
