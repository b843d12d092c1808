package dev.requant.kernels.internal.bnb;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** The scalar reference of {@link BnbKernels}: one value at a time, as the formulas read. */
public final class ScalarBnbKernels implements BnbKernels {
    public static final ScalarBnbKernels INSTANCE = new ScalarBnbKernels();

    /** The code tables by ordinal, taken once ({@link FourBitCode#levels()} copies). */
    private static final float[][] TABLES = Arrays.stream(FourBitCode.values()).map(FourBitCode::levels)
            .toArray(float[][]::new);

    private ScalarBnbKernels() {
    }

    @Override
    public void dequantize4bit(FourBitCode code, MemorySegment packed, long first, int count, float[] absmax,
                               int blockSize, float[] dst, int dstOffset) {
        float[] table = TABLES[code.ordinal()];
        long firstBlock = first / blockSize;
        for (int i = 0; i < count; i++) {
            long e = first + i;
            dst[dstOffset + i] = fourBit(table, packed, e, absmax[(int) (e / blockSize - firstBlock)]);
        }
    }

    /** Value {@code e} of a packed 4-bit tensor: its code's table value times its block's scale. */
    static float fourBit(float[] table, MemorySegment packed, long e, float absmax) {
        int b = packed.get(ValueLayout.JAVA_BYTE, e >>> 1) & 0xFF;
        return table[(e & 1) == 0 ? b >>> 4 : b & 0x0F] * absmax;
    }

    @Override
    public void dequantizeAbsmax(MemorySegment codes, long firstBlock, int count, float[] map,
                                 MemorySegment nestedAbsmax, int nestedBlockSize, float offset, float[] dst,
                                 int dstOffset) {
        for (int i = 0; i < count; i++) {
            long b = firstBlock + i;
            float scale = nestedAbsmax.get(Layouts.F32, 4 * (b / nestedBlockSize));
            float product = map[codes.get(ValueLayout.JAVA_BYTE, b) & 0xFF] * scale;
            float sum = product + offset;
            dst[dstOffset + i] = Float.isNaN(sum) ? Float.NaN : sum;
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
            for (int j = 0; j < rowLength; j++) {
                dst[o + j] = int8(q.get(ValueLayout.JAVA_BYTE, at + j), s);
            }
        }
    }

    /** One LLM.int8 value: the code times its row's absmax, then times 1/127 (two roundings). */
    static float int8(byte q, float rowAbsmax) {
        return q * rowAbsmax * INT8_SCALE;
    }
}
