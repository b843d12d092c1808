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
 * The Vector API twin of {@link ScalarQ5_0}: as {@link VectorQ4_0}, with the fifth bits taken
 * from lane masks into {@code qh}. Blocks holding a NaN, or so small that {@code 1/d} is
 * infinite, go to the scalar reference.
 */
final class VectorQ5_0 implements BlockCodec {
    static final VectorQ5_0 INSTANCE = new VectorQ5_0();

    private static final int QK = 32;
    private static final int BYTES = 22;

    private VectorQ5_0() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        int blocks = Blocks.of(GgmlType.Q5_0, count);
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * QK, dst, dstOffset + (long) b * BYTES);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int blocks = Blocks.of(GgmlType.Q5_0, count);
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(src, srcOffset + (long) b * BYTES, dst, dstOffset + b * QK);
        }
    }

    private static void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float amax = BlockVectors.absMax(x, o);
        if (Float.isNaN(amax)) {
            ScalarQ5_0.quantizeBlock(x, o, y, p);
            return;
        }
        // an all-zero block keeps ggml's initial max of +0, whatever the zeros' signs
        float max = amax == 0 ? 0 : BlockVectors.firstWithAbs(x, o, amax);
        float d = max / -16;
        float id = d != 0 ? 1 / d : 0;
        if (Float.isInfinite(id)) {
            ScalarQ5_0.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        ByteVector qs = ByteVector.zero(B16);
        long qh = 0;
        for (int k = 0; k < PER_16; k++) {
            IntVector lo = ((IntVector) FloatVector.fromArray(F, x, o + k * L).mul(id).add(16.5f)
                    .convert(VectorOperators.F2I, 0)).min(31);
            IntVector hi = ((IntVector) FloatVector.fromArray(F, x, o + 16 + k * L).mul(id).add(16.5f)
                    .convert(VectorOperators.F2I, 0)).min(31);
            IntVector pair = lo.and(0x0F).or(hi.and(0x0F).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
            qh |= lo.and(0x10).compare(VectorOperators.NE, 0).toLong() << (k * L)
                    | hi.and(0x10).compare(VectorOperators.NE, 0).toLong() << (16 + k * L);
        }
        y.set(Layouts.I32, p + 2, (int) qh);
        qs.intoMemorySegment(y, p + 6, ByteOrder.LITTLE_ENDIAN);
    }

    private static void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        long qh = x.get(Layouts.I32, p + 2);
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 6, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        FloatVector sixteen = FloatVector.broadcast(F, 16);
        for (int k = 0; k < PER_16; k++) {
            // the fifth bit adds 16 where qh has it; small integers, so exact in floats
            VectorMask<Float> loHigh = VectorMask.fromLong(F, qh >>> (k * L));
            VectorMask<Float> hiHigh = VectorMask.fromLong(F, qh >>> (16 + k * L));
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).add(sixteen, loHigh).sub(16).mul(d)
                    .intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).add(sixteen, hiHigh).sub(16).mul(d)
                    .intoArray(y, o + 16 + k * L);
        }
    }
}
