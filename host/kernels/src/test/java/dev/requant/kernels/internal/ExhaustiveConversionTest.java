package dev.requant.kernels.internal;

import dev.requant.kernels.Bits;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Every one of the 2^32 f32 bit patterns narrowed by both implementations (-Drequant.exhaustive=true). */
@EnabledIfSystemProperty(named = "requant.exhaustive", matches = "true")
class ExhaustiveConversionTest {
    private static final int CHUNK = 1 << 20;

    @Test
    void everyFloatNarrowsAlike() {
        float[] values = new float[CHUNK];
        byte[] scalar = new byte[2 * CHUNK];
        byte[] vector = new byte[2 * CHUNK];
        MemorySegment s = MemorySegment.ofArray(scalar);
        MemorySegment v = MemorySegment.ofArray(vector);
        for (long base = 0; base < 1L << 32; base += CHUNK) {
            for (int i = 0; i < CHUNK; i++) {
                values[i] = Float.intBitsToFloat((int) (base + i));
            }
            ScalarElementKernels.INSTANCE.writeF16(values, 0, s, 0, CHUNK);
            VectorElementKernels.INSTANCE.writeF16(values, 0, v, 0, CHUNK);
            Bits.assertSameBytes(scalar, vector, "f16 of bits from " + Long.toHexString(base));
            ScalarElementKernels.INSTANCE.writeBf16(values, 0, s, 0, CHUNK);
            VectorElementKernels.INSTANCE.writeBf16(values, 0, v, 0, CHUNK);
            Bits.assertSameBytes(scalar, vector, "bf16 of bits from " + Long.toHexString(base));
        }
    }
}
