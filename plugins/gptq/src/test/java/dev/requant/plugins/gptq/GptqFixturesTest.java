package dev.requant.plugins.gptq;

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
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every GPTQ fixture (AutoGPTQ and GPTQModel layouts, v1 and v2, 2/3/4/8 bits, act-order, whole
 * rows, partial last groups, the v1 zero-point borrow) and the trained stories260K model decode
 * to exactly the values of their {@code expected.safetensors}, read at run time, whatever row
 * ranges the decoder is asked for.
 */
class GptqFixturesTest {
    private static final GptqReader READER = new GptqReader();
    private static final GptqScheme SCHEME = new GptqScheme();

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gptq_")).sorted()
                    .collect(Collectors.toList());
            assertThat(names).hasSizeGreaterThanOrEqualTo(12);
            names.add("hf/stories260K_gptq_v1_4bit_g32_sym_act");
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void decodesExactlyToExpected(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> expected = Checkpoints.expected(dir);
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.format()).isEqualTo("gptq");
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(expected.keySet());
            int quantized = 0;
            for (SourceTensor t : m.tensors()) {
                for (int chunk : new int[] {1, 3, Integer.MAX_VALUE}) {
                    float[] actual = Checkpoints.decode(t, SCHEME, chunk);
                    assertThat(Checkpoints.firstDifference(expected.get(t.name()), actual))
                            .as("%s %s (%s): first value that differs, decoding %d rows at a time", fixture, t.name(),
                                    t.info().type().id(), chunk)
                            .isEqualTo(-1);
                }
                quantized += t.info().type() instanceof Encoding ? 1 : 0;
            }
            assertThat(quantized).as("quantized layers").isEqualTo(fixture.startsWith("hf/") ? 35 : 14);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void encodingsSayWhatTheManifestSays(String fixture) throws IOException {
        Path manifestFile = Checkpoints.fixture(fixture).resolve("manifest.json");
        if (!Files.exists(manifestFile)) {
            return;
        }
        Map<String, Object> manifest = JsonValues.parseObject(Files.readAllBytes(manifestFile));
        Map<String, Object> spec = JsonValues.object(manifest, "spec").orElseThrow();
        Map<String, Object> perTensor = JsonValues.object(manifest, "per_tensor").orElseThrow();
        try (ModelSource m = READER.open(Checkpoints.fixture(fixture), Checkpoints.CONTEXT)) {
            Set<String> quantized = m.tensors().stream().filter(t -> t.info().type() instanceof Encoding)
                    .map(SourceTensor::name).collect(Collectors.toSet());
            assertThat(quantized).containsExactlyInAnyOrderElementsOf(
                    ((List<?>) manifest.get("quantized_tensors")).stream().map(String::valueOf).toList());
            for (SourceTensor t : m.tensors()) {
                if (!(t.info().type() instanceof Encoding e)) {
                    continue;
                }
                Map<String, Object> facts = JsonValues.object(perTensor, t.name()).orElseThrow();
                assertThat(e.scheme()).isEqualTo("gptq");
                assertThat(e.params()).as(t.name()).containsEntry("bits", String.valueOf(spec.get("bits")))
                        .containsEntry("group", String.valueOf(spec.get("group_size")))
                        .containsEntry("sym", String.valueOf(spec.get("sym")))
                        .containsEntry("format", spec.get("fmt").equals("gptq_v2") ? "v2" : "v1")
                        .containsEntry("desc_act", String.valueOf(!(Boolean) facts.get("monotonic_g_idx")));
            }
        }
    }
}
