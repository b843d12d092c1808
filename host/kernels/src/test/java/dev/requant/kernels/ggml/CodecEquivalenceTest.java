package dev.requant.kernels.ggml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.Bits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Vector API codecs give the scalar references' bytes and floats, whatever the input. */
class CodecEquivalenceTest {
    private static final byte SENTINEL = 0x5A;
    private static final int[] BLOCK_COUNTS = {1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 100, 1000};
    /** Enough repetitions for the JIT to compile the codecs: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;

    static List<GgmlType> types() {
        return GgmlReferenceVectorsTest.TYPES;
    }

    @ParameterizedTest
    @MethodSource("types")
    void edgeBlocksQuantizeAlike(GgmlType type) {
        float[] x = EdgeBlocks.all(type.ordinal());
        for (int round = 0; round < ROUNDS; round++) {
            assertQuantizeAlike(type, x, 0, x.length, 0);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void randomRunsAtAnyOffsetQuantizeAlike(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(17 + type.ordinal());
        for (int blocks : BLOCK_COUNTS) {
            for (int srcOffset : new int[] {0, 1, 5, 13}) {
                float[] x = new float[srcOffset + blocks * 32 + 3];
                for (int b = 0; b < blocks; b++) {
                    double scale = Math.pow(10, rnd.nextInt(-12, 12));
                    for (int j = 0; j < 32; j++) {
                        x[srcOffset + b * 32 + j] = (float) (rnd.nextGaussian() * scale);
                    }
                }
                for (int dstOffset : new int[] {0, 1, 3}) {
                    assertQuantizeAlike(type, x, srcOffset, blocks * 32, dstOffset);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void nativeSegmentsQuantizeAlike(GgmlType type) {
        float[] x = EdgeBlocks.all(31 + type.ordinal());
        int blocks = x.length / 32;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scalar = arena.allocate(blocks * type.typeSize() + 1L);
            MemorySegment vector = arena.allocate(blocks * type.typeSize() + 1L);
            GgmlCodecs.scalar(type).orElseThrow().quantize(x, 0, x.length, scalar, 1);
            GgmlCodecs.vector(type).orElseThrow().quantize(x, 0, x.length, vector, 1);
            Bits.assertSameBytes(scalar.toArray(ValueLayout.JAVA_BYTE), vector.toArray(ValueLayout.JAVA_BYTE),
                    type.typeName() + " native");
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void anyBytesDequantizeAlike(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(5 + type.ordinal());
        byte[] random = new byte[4000 * type.typeSize()];
        rnd.nextBytes(random);
        float[] x = EdgeBlocks.all(type.ordinal());
        byte[] quantized = new byte[x.length / 32 * type.typeSize()];
        GgmlCodecs.scalar(type).orElseThrow().quantize(x, 0, x.length, MemorySegment.ofArray(quantized), 0);
        for (int round = 0; round < ROUNDS; round++) {
            assertDequantizeAlike(type, random);
            assertDequantizeAlike(type, quantized);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void partialBlocksAreRefused(GgmlType type) {
        float[] x = new float[64];
        MemorySegment out = MemorySegment.ofArray(new byte[2 * type.typeSize()]);
        for (BlockCodec codec : List.of(GgmlCodecs.scalar(type).orElseThrow(), GgmlCodecs.vector(type).orElseThrow())) {
            assertThatThrownBy(() -> codec.quantize(x, 0, 33, out, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("33 values are not whole blocks of 32");
            assertThatThrownBy(() -> codec.dequantize(out, 0, x, 0, 40))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(codec.type()).isEqualTo(type);
        }
    }

    private static void assertQuantizeAlike(GgmlType type, float[] x, int srcOffset, int count, int dstOffset) {
        int bytes = count / 32 * type.typeSize();
        byte[] scalar = new byte[dstOffset + bytes + 5];
        byte[] vector = new byte[scalar.length];
        Arrays.fill(scalar, SENTINEL);
        Arrays.fill(vector, SENTINEL);
        GgmlCodecs.scalar(type).orElseThrow().quantize(x, srcOffset, count, MemorySegment.ofArray(scalar), dstOffset);
        GgmlCodecs.vector(type).orElseThrow().quantize(x, srcOffset, count, MemorySegment.ofArray(vector), dstOffset);
        String what = type.typeName() + " " + count / 32 + " blocks from " + srcOffset + " to " + dstOffset;
        Bits.assertSameBytes(scalar, vector, what);
        for (int i = dstOffset + bytes; i < vector.length; i++) {
            assertThat(vector[i]).as(what + ": byte after the output").isEqualTo(SENTINEL);
        }
    }

    private static void assertDequantizeAlike(GgmlType type, byte[] data) {
        int count = data.length / type.typeSize() * 32;
        for (int dstOffset : new int[] {0, 3}) {
            float[] scalar = new float[dstOffset + count + 2];
            float[] vector = new float[scalar.length];
            Arrays.fill(scalar, -7f);
            Arrays.fill(vector, -7f);
            GgmlCodecs.scalar(type).orElseThrow().dequantize(MemorySegment.ofArray(data), 0, scalar, dstOffset, count);
            GgmlCodecs.vector(type).orElseThrow().dequantize(MemorySegment.ofArray(data), 0, vector, dstOffset, count);
            Bits.assertSameBits(scalar, vector, type.typeName() + " dequantize to " + dstOffset);
            assertThat(vector[vector.length - 1]).isEqualTo(-7f);
        }
    }
}
