package dev.requant.kernels.ggml;

import static dev.requant.kernels.ggml.BlockVectors.B16;
import static dev.requant.kernels.ggml.BlockVectors.F;
import static dev.requant.kernels.ggml.BlockVectors.L;
import static dev.requant.kernels.ggml.BlockVectors.PER_16;

import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ5_1}: as {@link VectorQ4_1}, with the fifth bits taken
 * from lane masks into {@code qh}. Blocks holding a NaN, or so flat that {@code 1/d} is
 * infinite, go to the scalar reference.
 */
final class VectorQ5_1 implements BlockCodec {
    static final VectorQ5_1 INSTANCE = new VectorQ5_1();

    private static final int QK = 32;
    private static final int BYTES = 24;

    private VectorQ5_1() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        int blocks = Blocks.of(GgmlType.Q5_1, count);
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * QK, dst, dstOffset + (long) b * BYTES);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int blocks = Blocks.of(GgmlType.Q5_1, count);
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(src, srcOffset + (long) b * BYTES, dst, dstOffset + b * QK);
        }
    }

    private static void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        long minMax = BlockVectors.minMax(x, o);
        float min = BlockVectors.minOf(minMax);
        float max = BlockVectors.maxOf(minMax);
        if (Float.isNaN(min) || Float.isNaN(max)) {
            ScalarQ5_1.quantizeBlock(x, o, y, p);
            return;
        }
        min = BlockVectors.scanMin(x, o, min);
        max = BlockVectors.scanMax(x, o, max);
        float d = (max - min) / 31;
        float id = d != 0 ? 1 / d : 0;
        if (Float.isInfinite(id)) {
            ScalarQ5_1.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        y.set(Layouts.I16, p + 2, Fp.f32ToF16(min));
        ByteVector qs = ByteVector.zero(B16);
        long qh = 0;
        for (int k = 0; k < PER_16; k++) {
            IntVector lo = (IntVector) FloatVector.fromArray(F, x, o + k * L).sub(min).mul(id).add(0.5f)
                    .convert(VectorOperators.F2I, 0);
            IntVector hi = (IntVector) FloatVector.fromArray(F, x, o + 16 + k * L).sub(min).mul(id).add(0.5f)
                    .convert(VectorOperators.F2I, 0);
            IntVector pair = lo.and(0x0F).or(hi.and(0x0F).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
            qh |= lo.and(0x10).compare(VectorOperators.NE, 0).toLong() << (k * L)
                    | hi.and(0x10).compare(VectorOperators.NE, 0).toLong() << (16 + k * L);
        }
        y.set(Layouts.I32, p + 4, (int) qh);
        qs.intoMemorySegment(y, p + 8, ByteOrder.LITTLE_ENDIAN);
    }

    private static void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        float m = Fp.f16ToF32(x.get(Layouts.I16, p + 2));
        if (Float.isNaN(m)) {
            ScalarQ5_1.dequantizeBlock(x, p, y, o); // which of two NaNs a sum keeps is the scalar's to say
            return;
        }
        long qh = x.get(Layouts.I32, p + 4);
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 8, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        FloatVector sixteen = FloatVector.broadcast(F, 16);
        for (int k = 0; k < PER_16; k++) {
            // the fifth bit adds 16 where qh has it; small integers, so exact in floats
            VectorMask<Float> loHigh = VectorMask.fromLong(F, qh >>> (k * L));
            VectorMask<Float> hiHigh = VectorMask.fromLong(F, qh >>> (16 + k * L));
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).add(sixteen, loHigh).mul(d).add(m)
                    .intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).add(sixteen, hiHigh).mul(d).add(m)
                    .intoArray(y, o + 16 + k * L);
        }
    }
}
