package dev.requant.kernels.internal.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The scalar references follow bitsandbytes' formulas: tables, nibble order, rounding steps. */
class BnbReferenceTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final BnbKernels k = ScalarBnbKernels.INSTANCE;

    @Test
    void tablesAreBitsandbytesCodes() {
        assertThat(FourBitCode.NF4.levels()).hasSize(16).startsWith(-1f).endsWith(1f).isSorted();
        assertThat(FourBitCode.NF4.value(7)).isEqualTo(0f);
        assertThat(FourBitCode.NF4.value(8)).isEqualTo(0.07958029955625534f);
        // FP4: bit 3 is the sign, so the table is not sorted and code 8 is negative zero
        assertThat(FourBitCode.FP4.value(3)).isEqualTo(1f);
        assertThat(FourBitCode.FP4.value(11)).isEqualTo(-1f);
        assertThat(FourBitCode.FP4.value(2)).isEqualTo(2f / 3);
        assertThat(FourBitCode.FP4.value(1)).isEqualTo(0.0625f / 12);
        assertThat(Float.floatToRawIntBits(FourBitCode.FP4.value(8))).isEqualTo(0x80000000);
        assertThat(Float.floatToRawIntBits(FourBitCode.FP4.value(0))).isZero();
        for (int c = 0; c < 8; c++) {
            assertThat(FourBitCode.FP4.value(c + 8)).isEqualTo(-FourBitCode.FP4.value(c));
        }
    }

    @Test
    void highNibbleComesFirstAndBlocksRunAcrossRows() {
        MemorySegment packed = MemorySegment.ofArray(new byte[] {(byte) 0xF0, 0x7B, 0x03});
        float[] out = new float[6];
        k.dequantize4bit(FourBitCode.NF4, packed, 0, 5, new float[] {2f, 10f}, 4, out, 1);
        assertThat(out).containsExactly(0f, 2f, -2f, 0f, FourBitCode.NF4.value(0x0B) * 2f, -10f);
        float[] fromOdd = new float[2];
        k.dequantize4bit(FourBitCode.NF4, packed, 3, 2, new float[] {2f, 10f}, 4, fromOdd, 0);
        assertThat(fromOdd).containsExactly(FourBitCode.NF4.value(0x0B) * 2f, -10f);
    }

    @Test
    void fp4CodeEightTimesAPositiveScaleIsNegativeZero() {
        float[] out = new float[2];
        k.dequantize4bit(FourBitCode.FP4, MemorySegment.ofArray(new byte[] {(byte) 0x80}), 0, 2, new float[] {3f}, 64,
                out, 0);
        assertThat(Float.floatToRawIntBits(out[0])).isEqualTo(0x80000000);
        assertThat(Float.floatToRawIntBits(out[1])).isZero();
    }

    @Test
    void nestedScaleRoundsTheProductThenTheSumNeverFused() {
        // operands whose fused multiply-add differs from two roundings
        float m = 1.0000001f;
        float s = 1.0000001f;
        float offset = -1.0000002f;
        assertThat(Math.fma(m, s, offset)).isNotEqualTo(m * s + offset);
        float[] map = new float[256];
        map[5] = m;
        MemorySegment nested = MemorySegment.ofArray(new byte[8]);
        nested.set(F32, 0, 100f);
        nested.set(F32, 4, s);
        float[] out = new float[2];
        k.dequantizeAbsmax(MemorySegment.ofArray(new byte[] {5, 5, 5}), 1, 2, map, nested, 2, offset, out, 0);
        assertThat(out).containsExactly(m * 100f + offset, m * s + offset);
    }

    @Test
    void int8MultipliesByTheRowAbsmaxThenByOneOver127() {
        MemorySegment scb = MemorySegment.ofArray(new byte[8]);
        scb.set(F32, 0, 0.5f);
        scb.set(F32, 4, 3.3f);
        float[] out = new float[2];
        k.dequantizeInt8Rows(MemorySegment.ofArray(new byte[] {1, 2, 127, -128}), scb, 1, 1, 2, out, 0);
        assertThat(out).containsExactly(127 * 3.3f * 7.874015718698502e-3f, -128 * 3.3f * 7.874015718698502e-3f);
        assertThat(BnbKernels.INT8_SCALE).isEqualTo((float) (1 / 127.0));
    }
}
