package dev.requant.plugins.mlx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
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
 * Every MLX fixture decodes to its expected.safetensors bit for bit: read as mlx-lm saved it
 * (config.json and index), and as a lone weight file whose bits and group size come from the
 * shapes alone.
 */
class MlxFixturesTest {
    private static final Map<String, QuantScheme> SCHEMES = Map.of(MlxScheme.ID, new MlxScheme());
    private static final MlxReader READER = new MlxReader();

    @TempDir
    Path dir;

    static Stream<String> fixtures() throws IOException {
        return RawCheckpoints.fixtures("mlx_");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void decodesExactlyWithItsConfig(String fixture) throws IOException {
        Path folder = Checkpoints.FIXTURES.resolve(fixture);
        assertThat(READER.detect(folder, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertDecodesExactly(fixture, folder);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void decodesExactlyFromTheWeightFileAloneThroughItsShapes(String fixture) throws IOException {
        Path lone = Files.copy(Checkpoints.FIXTURES.resolve(fixture).resolve("model.safetensors"),
                dir.resolve("weights.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertDecodesExactly(fixture, lone);
    }

    @SuppressWarnings("unchecked")
    private static void assertDecodesExactly(String fixture, Path input) throws IOException {
        Path folder = Checkpoints.FIXTURES.resolve(fixture);
        Map<String, Object> manifest = JsonValues.asObject(JsonValues.parse(folder.resolve("manifest.json"),
                Files.readAllBytes(folder.resolve("manifest.json")))).orElse(null);
        Map<String, Object> spec = JsonValues.asObject(manifest.get("spec")).orElse(null);
        List<Object> quantized = (List<Object>) manifest.get("quantized_tensors");
        String scale = spec.get("dtype").equals("bfloat16") ? "bf16" : "f16";
        Encoding encoding = new Encoding(MlxScheme.ID, Map.of("bits", spec.get("bits").toString(),
                "group", spec.get("group_size").toString(), "scale", scale));
        try (ModelSource model = READER.open(input, Checkpoints.CONTEXT);
             ModelSource expected = Checkpoints.CONTEXT.open("safetensors", folder.resolve("expected.safetensors"))) {
            assertThat(model.format()).isEqualTo("mlx");
            assertThat(model.tensors()).extracting(SourceTensor::name)
                    .containsExactlyInAnyOrderElementsOf(expected.tensors().stream().map(SourceTensor::name).toList());
            Map<String, SourceTensor> byName = new java.util.HashMap<>();
            model.tensors().forEach(t -> byName.put(t.name(), t));
            for (SourceTensor e : expected.tensors()) {
                SourceTensor t = byName.get(e.name());
                assertThat(t.info().shape()).as(e.name()).isEqualTo(e.info().shape());
                if (quantized.contains(e.name())) {
                    assertThat(t.info().type()).as(e.name()).isEqualTo(encoding);
                    assertThat(((StoredTensor) t).parts()).extracting(p -> p.role())
                            .containsExactly("weight", "scales", "biases");
                } else {
                    assertThat(t.info().type()).as(e.name()).isInstanceOf(ElementType.class);
                }
                float[] want = RawCheckpoints.decode(e, SCHEMES);
                float[] got = RawCheckpoints.decode(t, SCHEMES);
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                        assertThat(got[i]).as("%s %s element %d", fixture, e.name(), i).isEqualTo(want[i]);
                    }
                }
            }
        }
    }
}
