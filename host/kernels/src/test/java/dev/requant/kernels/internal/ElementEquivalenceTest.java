package dev.requant.kernels.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.ElementKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorElementKernels} gives the bits of {@link ScalarElementKernels}: on every 16-bit and
 * 8-bit pattern, on the rounding boundaries of every narrowing, on any length (vector tails) and
 * at unaligned offsets, interpreted and compiled.
 */
class ElementEquivalenceTest {
    private static final ElementKernels SCALAR = ScalarElementKernels.INSTANCE;
    private static final ElementKernels VECTOR = VectorElementKernels.INSTANCE;
    /** Enough repetitions for the JIT to compile the kernels: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;
    private static final int[] SHORT_COUNTS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65};

    @FunctionalInterface
    interface Read {
        void apply(ElementKernels k, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count);
    }

    @FunctionalInterface
    interface Write {
        void apply(ElementKernels k, float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count);
    }

    @Test
    void readF16() {
        assertReadsAlike(ElementKernels::readF16, bytes(ElementInputs.all16()), 2, "f16");
    }

    @Test
    void readBf16() {
        assertReadsAlike(ElementKernels::readBf16, bytes(ElementInputs.all16()), 2, "bf16");
    }

    @Test
    void readF8E4M3() {
        assertReadsAlike(ElementKernels::readF8E4M3, every8BitPattern(), 1, "f8_e4m3");
    }

    @Test
    void readF8E5M2() {
        assertReadsAlike(ElementKernels::readF8E5M2, every8BitPattern(), 1, "f8_e5m2");
    }

    @Test
    void readF32() {
        byte[] data = new byte[4 << 14];
        new SplittableRandom(3).nextBytes(data);
        assertReadsAlike(ElementKernels::readF32, data, 4, "f32");
    }

    @Test
    void readF64() {
        double[] values = ElementInputs.doubles(11);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        assertReadsAlike(ElementKernels::readF64, b.array(), 8, "f64");
    }

    @Test
    void writeF16() {
        assertWritesAlike(ElementKernels::writeF16, ElementInputs.narrowing(1), 2, "f16");
    }

    @Test
    void writeBf16() {
        assertWritesAlike(ElementKernels::writeBf16, ElementInputs.narrowing(2), 2, "bf16");
    }

    @Test
    void writeF32() {
        assertWritesAlike(ElementKernels::writeF32, ElementInputs.narrowing(3), 4, "f32");
    }

    @Test
    void writeF64() {
        assertWritesAlike(ElementKernels::writeF64, ElementInputs.narrowing(4), 8, "f64");
    }

    @Test
    void nativeSegmentsConvertAlike() {
        float[] values = ElementInputs.narrowing(5);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scalar = arena.allocate(2L * values.length + 1);
            MemorySegment vector = arena.allocate(2L * values.length + 1);
            SCALAR.writeF16(values, 0, scalar, 1, values.length);
            VECTOR.writeF16(values, 0, vector, 1, values.length);
            assertThat(scalar.mismatch(vector)).as("f16 written to native memory").isEqualTo(-1L);
            float[] back = new float[values.length];
            float[] expected = new float[values.length];
            SCALAR.readF16(scalar, 1, expected, 0, values.length);
            VECTOR.readF16(vector, 1, back, 0, values.length);
            Bits.assertSameBits(expected, back, "f16 read from native memory");
        }
    }

    private static void assertReadsAlike(Read read, byte[] data, int size, String what) {
        int n = data.length / size;
        for (int misalign = 0; misalign < 2; misalign++) {
            byte[] buffer = new byte[data.length + misalign];
            System.arraycopy(data, 0, buffer, misalign, data.length);
            MemorySegment src = MemorySegment.ofArray(buffer);
            for (int round = 0; round < ROUNDS; round++) {
                assertReadAlike(read, src, misalign, 0, n, size, what);
            }
            for (int start : new int[] {0, 1, 3, 5}) {
                for (int count : SHORT_COUNTS) {
                    assertReadAlike(read, src, misalign + (long) start * size, start % 3, count, size, what);
                }
            }
        }
    }

    private static void assertReadAlike(Read read, MemorySegment src, long srcOffset, int dstOffset, int count,
            int size, String what) {
        float[] scalar = new float[dstOffset + count + 3];
        float[] vector = new float[scalar.length];
        Arrays.fill(scalar, -7f);
        Arrays.fill(vector, -7f);
        read.apply(SCALAR, src, srcOffset, scalar, dstOffset, count);
        read.apply(VECTOR, src, srcOffset, vector, dstOffset, count);
        Bits.assertSameBits(scalar, vector, "read " + what + " of " + count + " from byte " + srcOffset);
        assertThat(vector[vector.length - 1]).isEqualTo(-7f);
    }

    private static void assertWritesAlike(Write write, float[] values, int size, String what) {
        for (int round = 0; round < ROUNDS; round++) {
            assertWriteAlike(write, values, 0, values.length, round % 2, size, what);
        }
        for (int start : new int[] {0, 1, 3, 5}) {
            for (int count : SHORT_COUNTS) {
                assertWriteAlike(write, values, start, count, start % 2, size, what);
            }
        }
    }

    private static void assertWriteAlike(Write write, float[] values, int srcOffset, int count, int dstOffset,
            int size, String what) {
        byte[] scalar = new byte[dstOffset + count * size + 5];
        byte[] vector = new byte[scalar.length];
        Arrays.fill(scalar, (byte) 0x5A);
        Arrays.fill(vector, (byte) 0x5A);
        write.apply(SCALAR, values, srcOffset, MemorySegment.ofArray(scalar), dstOffset, count);
        write.apply(VECTOR, values, srcOffset, MemorySegment.ofArray(vector), dstOffset, count);
        Bits.assertSameBytes(scalar, vector, "write " + what + " of " + count + " from " + srcOffset);
        assertThat(vector[vector.length - 1]).isEqualTo((byte) 0x5A);
    }

    private static byte[] bytes(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    private static byte[] every8BitPattern() {
        byte[] data = new byte[256 * 17];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + i / 256);
        }
        return data;
    }
}
