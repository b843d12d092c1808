package dev.requant.kernels.ggml;

import static dev.requant.kernels.ggml.BlockVectors.B16;
import static dev.requant.kernels.ggml.BlockVectors.F;
import static dev.requant.kernels.ggml.BlockVectors.L;
import static dev.requant.kernels.ggml.BlockVectors.PER_16;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarTq1_0}: levels as in {@link VectorTq2_0}, five to a byte
 * lane-wise; {@code ceil(code * 256 / 243)} through a float division, exact because the
 * dividend stays below 2^16 and is never within a float's precision of a multiple of 243 without
 * being one. The last four bytes are the scalar reference's. Blocks holding NaN or infinity, or so
 * small that {@code 1/d} is infinite, go to the scalar reference.
 */
final class VectorTq1_0 extends AbstractBlockCodec {
    static final VectorTq1_0 INSTANCE = new VectorTq1_0();

    private static final int BYTES = 54;

    private VectorTq1_0() {
        super(GgmlType.TQ1_0);
    }

    @Override
    void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        float d = VectorTq2_0.maxMagnitude(x, o);
        float id = d != 0 ? 1 / d : 0;
        if (!Float.isFinite(id)) {
            ScalarTq1_0.INSTANCE.quantizeBlock(x, o, y, p);
            return;
        }
        byte[] b = new byte[BYTES];
        // bytes 0..31: values m + 32k; bytes 32..47: values 160 + m + 16k (k = 0..4)
        for (int at = 0; at < 48; at += 16) {
            int from = o + (at < 32 ? at : 160 + (at - 32));
            int stride = at < 32 ? 32 : 16;
            ByteVector qs = ByteVector.zero(B16);
            for (int part = 0; part < PER_16; part++) {
                IntVector q = IntVector.zero(BlockVectors.I);
                for (int k = 0; k < 5; k++) {
                    FloatVector v = FloatVector.fromArray(F, x, from + stride * k + part * L).mul(id);
                    IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
                    FloatVector frac = v.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
                    IntVector trit = t.add((IntVector) frac.add(frac).convert(VectorOperators.F2I, 0)).add(1);
                    q = q.mul(3).add(trit);
                }
                FloatVector dividend = (FloatVector) q.mul(256).add(242).convert(VectorOperators.I2F, 0);
                IntVector packed = (IntVector) dividend.div(243f).convert(VectorOperators.F2I, 0);
                qs = qs.or((ByteVector) packed.convertShape(VectorOperators.I2B, B16, -part));
            }
            qs.intoArray(b, at);
        }
        for (int j = 0; j < 4; j++) {
            b[48 + j] = ScalarTq1_0.pack(x, o + 240 + j, 4, 4, id);
        }
        Blocks.putF16(b, 52, d);
        Blocks.write(b, y, p);
    }

    @Override
    void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, BYTES);
        float d = Blocks.f16(b, 52);
        if (!Float.isFinite(d)) {
            ScalarTq1_0.INSTANCE.dequantizeBlock(x, p, y, o);
            return;
        }
        byte[] q = new byte[16];
        int pow3 = 1;
        for (int k = 0; k < 5; k++) {
            for (int at = 0; at < 48; at += 16) {
                // level k of a byte is the top trit of byte * 3^k (mod 256): 0 below 86, 2 from 171
                ByteVector top = ByteVector.fromArray(B16, b, at).mul((byte) pow3);
                ByteVector.broadcast(B16, (byte) -1)
                        .add((byte) 1, top.compare(VectorOperators.UGE, (byte) 86))
                        .add((byte) 1, top.compare(VectorOperators.UGE, (byte) 171))
                        .intoArray(q, 0);
                BlockVectors.scale16(q, 0, d, 0f, y, o + (at < 32 ? 32 * k + at : 160 + 16 * k));
            }
            pow3 *= 3;
        }
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 4; j++) {
                y[o + 240 + 4 * k + j] = ScalarTq1_0.level(b[48 + j], k) * d;
            }
        }
    }
}
