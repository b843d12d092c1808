package dev.requant.plugins.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.support.JsonValues;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every compressed-tensors fixture (pack-quantized 4 and 8 bits, symmetric and asymmetric with
 * packed zero points, the older unpacked int8 zero points, sharded) decodes to exactly the values
 * of its {@code expected.safetensors}, read at run time, in any row ranges; a lone weight file
 * without config too.
 */
class CompressedTensorsFixturesTest {
    private static final CompressedTensorsReader READER = new CompressedTensorsReader();
    private static final CompressedTensorsScheme SCHEME = new CompressedTensorsScheme();

    @TempDir
    Path dir;

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ct_")).sorted().toList();
            assertThat(names).hasSizeGreaterThanOrEqualTo(5);
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void decodesExactlyToExpected(String fixture) throws IOException {
        Path path = Checkpoints.fixture(fixture);
        assertThat(READER.detect(path, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> expected = Checkpoints.expected(path);
        Map<String, Object> spec = JsonValues.object(JsonValues.parseObject(Files.readAllBytes(path.resolve("manifest.json"))),
                "spec").orElseThrow();
        // the scale type is named when it is not bf16 (the fixtures' model dtype)
        String id = "compressed-tensors{bits:" + spec.get("bits") + ",format:pack-quantized,group:" + spec.get("group_size")
                + (fixture.contains("_f16") ? ",scales:f16" : "") + ",strategy:group,sym:" + spec.get("sym") + "}";
        try (ModelSource m = READER.open(path, Checkpoints.CONTEXT)) {
            assertThat(m.format()).isEqualTo("compressed-tensors");
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(expected.keySet());
            int quantized = 0;
            for (SourceTensor t : m.tensors()) {
                for (int chunk : new int[] {1, 3, Integer.MAX_VALUE}) {
                    assertThat(Checkpoints.firstDifference(expected.get(t.name()), Checkpoints.decode(t, SCHEME, chunk)))
                            .as("%s %s (%s): first value that differs, decoding %d rows at a time", fixture, t.name(),
                                    t.info().type().id(), chunk)
                            .isEqualTo(-1);
                }
                if (t.info().type() instanceof Encoding e) {
                    quantized++;
                    assertThat(e.id()).isEqualTo(id);
                }
            }
            assertThat(quantized).isEqualTo(14);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void aLoneFileIsReadFromItsShapes(String fixture) throws IOException {
        Path from = Checkpoints.fixture(fixture);
        if (!Files.exists(from.resolve("model.safetensors"))) {
            return;
        }
        Path lone = Files.copy(from.resolve("model.safetensors"), dir.resolve("m.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> expected = Checkpoints.expected(from);
        try (ModelSource m = READER.open(lone, Checkpoints.CONTEXT)) {
            for (SourceTensor t : m.tensors()) {
                assertThat(Checkpoints.firstDifference(expected.get(t.name()), Checkpoints.decode(t, SCHEME, 5)))
                        .as(t.name()).isEqualTo(-1);
            }
        }
    }
}
