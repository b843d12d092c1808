package dev.requant.plugins.ggmlquants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.kernels.internal.ggml.GgmlCodecs;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fifteen schemes through the QuantScheme API, on ggml's reference vectors. */
class GgmlBlockSchemeTest {
    private static final Path GGML = TestData.path("vectors/ggml");
    /** The reference inputs: 16 rows of 256 values. */
    private static final Shape SHAPE = Shape.of(16, 256);
    /** Row ranges that split the tensor at odd places. */
    private static final int[][] ENCODE_SPLIT = {{0, 3}, {3, 4}, {4, 11}, {11, 16}};
    private static final int[][] DECODE_SPLIT = {{0, 1}, {1, 6}, {6, 13}, {13, 16}};

    static List<QuantScheme> schemes() {
        return List.of(new Q8_0Scheme(), new Q4_0Scheme(), new Q4_1Scheme(), new Q5_0Scheme(), new Q5_1Scheme(),
                new Q2_KScheme(), new Q3_KScheme(), new Q4_KScheme(), new Q5_KScheme(), new Q6_KScheme(),
                new Iq4NlScheme(), new Iq4XsScheme(), new Tq1_0Scheme(), new Tq2_0Scheme(), new Mxfp4Scheme());
    }

    /** ggml's folder of a type: its own name, whose case ({@code q4_K}) the scheme ids do not keep. */
    private static Path vectors(String id) throws IOException {
        try (Stream<Path> dirs = Files.list(GGML)) {
            return dirs.filter(d -> d.getFileName().toString().equalsIgnoreCase(id)).findFirst().orElseThrow();
        }
    }

    private static GgmlType type(QuantScheme scheme) {
        return GgmlType.byName(scheme.id()).orElseThrow();
    }

    static List<Arguments> schemesAndKinds() throws IOException {
        List<String> kinds;
        try (Stream<Path> files = Files.list(GGML.resolve("in"))) {
            kinds = files.map(p -> p.getFileName().toString().replace(".f32", "")).sorted().toList();
        }
        assertThat(kinds).isNotEmpty();
        List<Arguments> cases = new ArrayList<>();
        for (QuantScheme scheme : schemes()) {
            for (String kind : kinds) {
                cases.add(Arguments.of(scheme, kind));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schemesAndKinds")
    void encodesRowRangesToGgmlBytes(QuantScheme scheme, String kind) throws IOException {
        float[] values = readFloats(GGML.resolve("in").resolve(kind + ".f32"));
        byte[] expected = Files.readAllBytes(vectors(scheme.id()).resolve(kind + ".bin"));
        TensorInfo tensor = new TensorInfo("t", SHAPE, scheme.encoding(Map.of()));
        long rowBytes = expected.length / SHAPE.rows();
        assertThat(scheme.layout(tensor).getFirst().byteSize()).isEqualTo(expected.length);

        byte[] actual = new byte[expected.length];
        MemorySegment whole = MemorySegment.ofArray(actual);
        for (int[] range : ENCODE_SPLIT) {
            int rows = range[1] - range[0];
            MemorySegment slice = whole.asSlice(range[0] * rowBytes, rows * rowBytes);
            scheme.encode(tensor, values, range[0] * 256, rows, new MemorySegment[] {slice});
        }
        assertThat(Arrays.mismatch(actual, expected)).as("first byte that differs").isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schemesAndKinds")
    void decodesRowRangesAsTheReference(QuantScheme scheme, String kind) throws IOException {
        byte[] stored = Files.readAllBytes(vectors(scheme.id()).resolve(kind + ".bin"));
        TensorInfo tensor = new TensorInfo("t", SHAPE, scheme.encoding(Map.of()));
        StoredTensor source = StoredTensor.of(tensor,
                new TensorPart(scheme.layout(tensor).getFirst(), MemorySegment.ofArray(stored)));

        float[] decoded = new float[2 + 16 * 256];
        for (int[] range : DECODE_SPLIT) {
            scheme.decode(source, range[0], range[1] - range[0], decoded, 2 + range[0] * 256);
        }
        float[] expected = new float[16 * 256];
        GgmlCodecs.scalar(type(scheme)).orElseThrow()
                .dequantize(MemorySegment.ofArray(stored), 0, expected, 0, expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(decoded[2 + i])).as("value %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void takesNoParameters(QuantScheme scheme) {
        assertThat(scheme.encoding(Map.of())).isEqualTo(Encoding.of(scheme.id()));
        assertThatThrownBy(() -> scheme.encoding(Map.of("group", "64", "bits", "4")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(scheme.id() + " takes no parameters, got 'bits'");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void fitsWholeBlocksOnly(QuantScheme scheme) {
        int qk = type(scheme).blockSize();
        assertThat(scheme.fit(info(scheme, 10, 172)))
                .contains("row length 172 is not a multiple of " + qk + " (" + scheme.id() + " block)");
        assertThat(scheme.fit(info(scheme))).contains("row length 1 is not a multiple of " + qk + " (" + scheme.id() + " block)");
        assertThat(scheme.fit(info(scheme, 4544))).isEqualTo(4544 % qk == 0 ? Optional.empty()
                : Optional.of("row length 4544 is not a multiple of " + qk + " (" + scheme.id() + " block)"));
        assertThat(scheme.fit(info(scheme, 7, 17 * qk))).isEmpty();
        assertThat(scheme.fit(info(scheme, 3, 0))).isEmpty();
        assertThatThrownBy(() -> scheme.layout(info(scheme, 4, qk + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t: row length " + (qk + 1) + " is not a multiple of " + qk + " (" + scheme.id() + " block)");
    }

    @Test
    void fallsBackAsLlamaCppDoesWhereItHasAFallback() {
        Map<String, String> expected = Map.of("q4_k", "q5_0", "q5_k", "q5_1", "q6_k", "q8_0", "q2_k", "q4_0",
                "q3_k", "q4_0", "tq1_0", "q4_0", "tq2_0", "q4_0", "iq4_xs", "iq4_nl");
        for (QuantScheme scheme : schemes()) {
            Optional<TensorType> fallback = scheme.fallback(scheme.encoding(Map.of()));
            if (expected.containsKey(scheme.id())) {
                assertThat(fallback).as(scheme.id()).contains(Encoding.of(expected.get(scheme.id())));
            } else {
                assertThat(fallback).as(scheme.id()).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void laysOutOneByteMatrixOfRows(QuantScheme scheme) {
        long blockBytes = type(scheme).typeSize();
        int qk = type(scheme).blockSize();
        assertThat(scheme.layout(info(scheme, 16, 256)))
                .containsExactly(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(16, 256 / qk * blockBytes)));
        assertThat(scheme.layout(info(scheme, 2, 3, 2 * qk)))
                .containsExactly(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(6, 2 * blockBytes)));
        assertThat(scheme.layout(info(scheme, 2 * qk)))
                .containsExactly(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(1, 2 * blockBytes)));
        assertThat(scheme.rowAlignment(info(scheme, 16, 256))).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void refusesOutputOfTheWrongSize(QuantScheme scheme) {
        int qk = type(scheme).blockSize();
        TensorInfo tensor = info(scheme, 4, 2 * qk);
        long rowBytes = scheme.layout(tensor).getFirst().byteSize() / 4;
        MemorySegment tooSmall = MemorySegment.ofArray(new byte[(int) (2 * rowBytes - 1)]);
        assertThatThrownBy(() -> scheme.encode(tensor, new float[4 * qk], 0, 2, new MemorySegment[] {tooSmall}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t: 2 rows of " + scheme.id() + " take one part of " + 2 * rowBytes + " bytes, got "
                        + (2 * rowBytes - 1) + " bytes");
        PartSpec wrong = new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(4, rowBytes - 1));
        StoredTensor source = StoredTensor.of(tensor,
                new TensorPart(wrong, MemorySegment.ofArray(new byte[(int) wrong.byteSize()])));
        assertThatThrownBy(() -> scheme.decode(source, 0, 1, new float[2 * qk], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes " + 4 * rowBytes + " bytes, the part has " + 4 * (rowBytes - 1));
    }

    @Test
    void describesEachType() {
        assertThat(new Q8_0Scheme().description()).contains("Q8_0", "32 values", "34 bytes", "8.5 bits per weight");
        assertThat(new Q4_1Scheme().description()).contains("Q4_1", "20 bytes", "5 bits per weight");
        assertThat(new Q4_KScheme().description()).contains("Q4_K", "256 values", "144 bytes", "4.5 bits per weight");
        assertThat(new Tq1_0Scheme().description()).contains("TQ1_0", "54 bytes", "1.6875 bits per weight");
        assertThat(new Mxfp4Scheme().description()).contains("MXFP4", "32 values", "17 bytes", "4.25 bits per weight");
    }

    private static TensorInfo info(QuantScheme scheme, long... dims) {
        return new TensorInfo("t", Shape.of(dims), Encoding.of(scheme.id()));
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[b.remaining() / 4];
        b.asFloatBuffer().get(values);
        return values;
    }
}
