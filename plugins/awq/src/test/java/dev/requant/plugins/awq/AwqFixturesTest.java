package dev.requant.plugins.awq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.Detection;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every AWQ fixture (GEMM with its interleaved order, GEMV with its padded zero points) decodes
 * to exactly the values of its {@code expected.safetensors}, read at run time, whatever row ranges
 * the decoder is asked for (GEMM shares words between eight rows).
 */
class AwqFixturesTest {
    private static final AwqReader READER = new AwqReader();
    private static final AwqScheme SCHEME = new AwqScheme();

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("awq_")).sorted().toList();
            assertThat(names).hasSizeGreaterThanOrEqualTo(2);
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void decodesExactlyToExpected(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> expected = Checkpoints.expected(dir);
        String version = fixture.contains("gemv") ? "gemv" : "gemm";
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.format()).isEqualTo("awq");
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(expected.keySet());
            int quantized = 0;
            for (SourceTensor t : m.tensors()) {
                for (int chunk : new int[] {1, 3, 8, 13, Integer.MAX_VALUE}) {
                    float[] actual = Checkpoints.decode(t, SCHEME, chunk);
                    assertThat(Checkpoints.firstDifference(expected.get(t.name()), actual))
                            .as("%s %s (%s): first value that differs, decoding %d rows at a time", fixture, t.name(),
                                    t.info().type().id(), chunk)
                            .isEqualTo(-1);
                }
                if (t.info().type() instanceof Encoding e) {
                    quantized++;
                    assertThat(e.id()).isEqualTo("awq{bits:4,group:32,version:" + version + "}");
                }
            }
            assertThat(quantized).isEqualTo(14);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void aLoneFileIsReadFromItsShapes(String fixture) throws IOException {
        Path dir = Files.createTempDirectory("awq");
        try {
            Path lone = Files.copy(Checkpoints.fixture(fixture).resolve("model.safetensors"), dir.resolve("m.safetensors"));
            assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
            Map<String, float[]> expected = Checkpoints.expected(Checkpoints.fixture(fixture));
            try (ModelSource m = READER.open(lone, Checkpoints.CONTEXT)) {
                for (SourceTensor t : m.tensors()) {
                    assertThat(Checkpoints.firstDifference(expected.get(t.name()), Checkpoints.decode(t, SCHEME, 7)))
                            .as(t.name()).isEqualTo(-1);
                }
            }
        } finally {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
