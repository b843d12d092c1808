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
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarQ4_0}: max |x| by lane reduction, the first value of that
 * magnitude by lane bits, nibbles lane-wise (values j and j+16 share a lane). Blocks holding a
 * NaN, or so small that {@code 1/d} is infinite, go to the scalar reference.
 */
final class VectorQ4_0 implements BlockCodec {
    static final VectorQ4_0 INSTANCE = new VectorQ4_0();

    private static final int QK = 32;
    private static final int BYTES = 18;

    private VectorQ4_0() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        int blocks = Blocks.of(GgmlType.Q4_0, count);
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * QK, dst, dstOffset + (long) b * BYTES);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int blocks = Blocks.of(GgmlType.Q4_0, count);
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(src, srcOffset + (long) b * BYTES, dst, dstOffset + b * QK);
        }
    }

    private static void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float amax = BlockVectors.absMax(x, o);
        if (Float.isNaN(amax)) {
            ScalarQ4_0.quantizeBlock(x, o, y, p);
            return;
        }
        // an all-zero block keeps ggml's initial max of +0, whatever the zeros' signs
        float max = amax == 0 ? 0 : BlockVectors.firstWithAbs(x, o, amax);
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        if (Float.isInfinite(id)) {
            ScalarQ4_0.quantizeBlock(x, o, y, p);
            return;
        }
        y.set(Layouts.I16, p, Fp.f32ToF16(d));
        ByteVector qs = ByteVector.zero(B16);
        for (int k = 0; k < PER_16; k++) {
            IntVector lo = (IntVector) FloatVector.fromArray(F, x, o + k * L).mul(id).add(8.5f)
                    .convert(VectorOperators.F2I, 0);
            IntVector hi = (IntVector) FloatVector.fromArray(F, x, o + 16 + k * L).mul(id).add(8.5f)
                    .convert(VectorOperators.F2I, 0);
            IntVector pair = lo.min(15).or(hi.min(15).lanewise(VectorOperators.LSHL, 4));
            qs = qs.or((ByteVector) pair.convertShape(VectorOperators.I2B, B16, -k));
        }
        qs.intoMemorySegment(y, p + 2, ByteOrder.LITTLE_ENDIAN);
    }

    private static void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        float d = Fp.f16ToF32(x.get(Layouts.I16, p));
        ByteVector qs = ByteVector.fromMemorySegment(B16, x, p + 2, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = qs.and((byte) 0x0F);
        ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4);
        for (int k = 0; k < PER_16; k++) {
            ((FloatVector) lo.convertShape(VectorOperators.B2F, F, k)).sub(8).mul(d).intoArray(y, o + k * L);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, F, k)).sub(8).mul(d).intoArray(y, o + 16 + k * L);
        }
    }
}
