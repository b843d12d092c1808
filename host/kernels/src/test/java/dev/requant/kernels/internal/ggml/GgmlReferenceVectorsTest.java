package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.ReferenceVectors;
import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Both implementations of every codec against the bytes ggml wrote for the reference inputs. */
class GgmlReferenceVectorsTest {
    static final List<GgmlType> TYPES = List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
            GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL,
            GgmlType.IQ4_XS, GgmlType.TQ1_0, GgmlType.TQ2_0, GgmlType.MXFP4);
    private static final int ROW = 256;

    enum Impl {
        SCALAR(GgmlCodecs::scalar), VECTOR(GgmlCodecs::vector);

        final Function<GgmlType, Optional<BlockCodec>> codecs;

        Impl(Function<GgmlType, Optional<BlockCodec>> codecs) {
            this.codecs = codecs;
        }

        BlockCodec codec(GgmlType type) {
            return codecs.apply(type).orElseThrow();
        }
    }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (GgmlType type : TYPES) {
            for (String kind : ReferenceVectors.kinds()) {
                for (Impl impl : Impl.values()) {
                    cases.add(Arguments.of(type, kind, impl));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void quantizeGivesGgmlBytes(GgmlType type, String kind, Impl impl) {
        float[] in = ReferenceVectors.input(kind);
        byte[] expected = ReferenceVectors.expected(type.typeName(), kind);
        BlockCodec codec = impl.codec(type);
        long rowBytes = type.rowBytes(ROW);
        byte[] actual = new byte[expected.length];
        MemorySegment out = MemorySegment.ofArray(actual);
        for (int r = 0; r < in.length / ROW; r++) {
            codec.quantize(in, r * ROW, ROW, out, r * rowBytes);
        }
        assertSameBlocks(type, expected, actual);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void dequantizeFollowsTheFormat(GgmlType type, String kind, Impl impl) {
        byte[] stored = ReferenceVectors.expected(type.typeName(), kind);
        float[] expected = FormatDecoder.decode(type, stored);
        float[] actual = new float[expected.length];
        impl.codec(type).dequantize(MemorySegment.ofArray(stored), 0, actual, 0, actual.length);
        Bits.assertSameBits(expected, actual, type.typeName() + " " + kind);
    }

    /** Compares block by block so that a failure names the first block that differs. */
    static void assertSameBlocks(GgmlType type, byte[] expected, byte[] actual) {
        int size = type.typeSize();
        for (int at = 0; at < expected.length; at += size) {
            byte[] e = Arrays.copyOfRange(expected, at, at + size);
            byte[] a = Arrays.copyOfRange(actual, at, at + size);
            assertThat(HexFormat.of().formatHex(a))
                    .as("%s block %d", type.typeName(), at / size)
                    .isEqualTo(HexFormat.of().formatHex(e));
        }
    }
}
