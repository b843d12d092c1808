package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.Bits;
import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Vector API codecs give the scalar references' bytes and floats, whatever the input. */
class CodecEquivalenceTest {
    private static final byte SENTINEL = 0x5A;
    /** Runs of blocks: the vector codecs of the super-block types fill lanes from several blocks. */
    private static final int[] BLOCK_COUNTS = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257};
    /** Enough repetitions for the JIT to compile the codecs: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;

    static List<GgmlType> types() {
        return GgmlReferenceVectorsTest.TYPES;
    }

    @ParameterizedTest
    @MethodSource("types")
    void edgeBlocksQuantizeAlike(GgmlType type) {
        float[] x = EdgeBlocks.all(type.ordinal(), type.blockSize());
        for (int round = 0; round < ROUNDS; round++) {
            assertQuantizeAlike(type, x, 0, x.length, 0);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void randomRunsAtAnyOffsetQuantizeAlike(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(17 + type.ordinal());
        int qk = type.blockSize();
        for (int blocks : BLOCK_COUNTS) {
            for (int srcOffset : new int[] {0, 1, 5, 13}) {
                float[] x = new float[srcOffset + blocks * qk + 3];
                for (int b = 0; b < blocks * qk / 32; b++) {
                    double scale = Math.pow(10, rnd.nextInt(-12, 12));
                    for (int j = 0; j < 32; j++) {
                        x[srcOffset + b * 32 + j] = (float) (rnd.nextGaussian() * scale);
                    }
                }
                for (int dstOffset : new int[] {0, 1, 3}) {
                    assertQuantizeAlike(type, x, srcOffset, blocks * qk, dstOffset);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void nativeSegmentsQuantizeAlike(GgmlType type) {
        float[] x = EdgeBlocks.all(31 + type.ordinal(), type.blockSize());
        int blocks = x.length / type.blockSize();
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
        byte[] random = new byte[32_768 / type.blockSize() * type.typeSize()];
        rnd.nextBytes(random);
        float[] x = EdgeBlocks.all(type.ordinal(), type.blockSize());
        byte[] quantized = new byte[x.length / type.blockSize() * type.typeSize()];
        GgmlCodecs.scalar(type).orElseThrow().quantize(x, 0, x.length, MemorySegment.ofArray(quantized), 0);
        for (int round = 0; round < ROUNDS; round++) {
            assertDequantizeAlike(type, random);
            assertDequantizeAlike(type, quantized);
        }
    }

    /** The f16 fields of each type's block, which random bytes must not make NaN or infinite. */
    private static final Map<GgmlType, int[]> HALVES = Map.ofEntries(Map.entry(GgmlType.Q8_0, new int[] {0}),
            Map.entry(GgmlType.Q4_0, new int[] {0}), Map.entry(GgmlType.Q4_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_0, new int[] {0}), Map.entry(GgmlType.Q5_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q2_K, new int[] {80, 82}), Map.entry(GgmlType.Q3_K, new int[] {108}),
            Map.entry(GgmlType.Q4_K, new int[] {0, 2}), Map.entry(GgmlType.Q5_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q6_K, new int[] {208}), Map.entry(GgmlType.IQ4_NL, new int[] {0}),
            Map.entry(GgmlType.IQ4_XS, new int[] {0}), Map.entry(GgmlType.TQ1_0, new int[] {52}),
            Map.entry(GgmlType.TQ2_0, new int[] {64}), Map.entry(GgmlType.MXFP4, new int[] {}));

    @ParameterizedTest
    @MethodSource("types")
    void anyBlockWithFiniteScalesDequantizesAsTheFormatSays(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(9 + type.ordinal());
        byte[] data = new byte[64_000 / type.blockSize() * type.typeSize()];
        rnd.nextBytes(data);
        for (int at = 0; at < data.length; at += type.typeSize()) {
            for (int half : HALVES.get(type)) {
                data[at + half + 1] &= (byte) ((data[at + half + 1] & 0x7C) == 0x7C ? 0xBF : 0xFF);
            }
        }
        float[] expected = FormatDecoder.decode(type, data);
        for (BlockCodec codec : List.of(GgmlCodecs.scalar(type).orElseThrow(), GgmlCodecs.vector(type).orElseThrow())) {
            float[] actual = new float[expected.length];
            codec.dequantize(MemorySegment.ofArray(data), 0, actual, 0, actual.length);
            Bits.assertSameBits(expected, actual, type.typeName() + " " + codec.getClass().getSimpleName());
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void partialBlocksAreRefused(GgmlType type) {
        float[] x = new float[2 * type.blockSize()];
        MemorySegment out = MemorySegment.ofArray(new byte[2 * type.typeSize()]);
        int cut = type.blockSize() + 1;
        for (BlockCodec codec : List.of(GgmlCodecs.scalar(type).orElseThrow(), GgmlCodecs.vector(type).orElseThrow())) {
            assertThatThrownBy(() -> codec.quantize(x, 0, cut, out, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(cut + " values are not whole blocks of " + type.blockSize());
            assertThatThrownBy(() -> codec.dequantize(out, 0, x, 0, 40))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(codec.type()).isEqualTo(type);
        }
    }

    private static void assertQuantizeAlike(GgmlType type, float[] x, int srcOffset, int count, int dstOffset) {
        int bytes = count / type.blockSize() * type.typeSize();
        byte[] scalar = new byte[dstOffset + bytes + 5];
        byte[] vector = new byte[scalar.length];
        Arrays.fill(scalar, SENTINEL);
        Arrays.fill(vector, SENTINEL);
        GgmlCodecs.scalar(type).orElseThrow().quantize(x, srcOffset, count, MemorySegment.ofArray(scalar), dstOffset);
        GgmlCodecs.vector(type).orElseThrow().quantize(x, srcOffset, count, MemorySegment.ofArray(vector), dstOffset);
        String what = type.typeName() + " " + count / type.blockSize() + " blocks from " + srcOffset + " to " + dstOffset;
        Bits.assertSameBytes(scalar, vector, what);
        for (int i = dstOffset + bytes; i < vector.length; i++) {
            assertThat(vector[i]).as(what + ": byte after the output").isEqualTo(SENTINEL);
        }
    }

    private static void assertDequantizeAlike(GgmlType type, byte[] data) {
        int count = data.length / type.typeSize() * type.blockSize();
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
