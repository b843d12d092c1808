package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.spi.Detection;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layout is recognised from config.json's quantization_config when there is one, from tensor
 * names when there is not; anything else, including files that are not safetensors at all, is
 * NONE, never an exception.
 */
class DetectionTest {
    private final BnbReader reader = new BnbReader();

    @TempDir
    Path dir;

    private Detection detect(Path p) {
        return reader.detect(p, Checkpoints.CONTEXT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bnb_nf4_dq_bs64", "bnb_fp4_bs128", "bnb_int8", "hf/stories260K_bnb_nf4_dq"})
    void fixtureFoldersAndTheirWeightFilesAreThisLayout(String fixture) {
        assertThat(detect(Checkpoints.fixture(fixture))).isEqualTo(Detection.LAYOUT);
        assertThat(detect(Checkpoints.fixture(fixture).resolve("model.safetensors"))).isEqualTo(Detection.LAYOUT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bnb_nf4_bs64", "bnb_fp4_dq_bs64", "bnb_int8"})
    void aLoneWeightFileIsRecognisedByItsTensorNames(String fixture) throws IOException {
        Path lone = dir.resolve("weights.safetensors");
        Files.copy(Checkpoints.fixture(fixture).resolve("model.safetensors"), lone);
        assertThat(detect(lone)).isEqualTo(Detection.LAYOUT);
        try (ModelSource m = reader.open(lone, Checkpoints.CONTEXT)) {
            assertThat(m.metadata().files()).isEmpty();
            assertThat(m.tensors()).hasSize(21).filteredOn(t -> t.info().type() instanceof Encoding).hasSize(14);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_f16", "plain_bf16", "gptq_v1_4bit_g128_sym", "awq_gemm_g32", "ct_w4_g32_sym_bf16",
        "mlx_4bit_g64", "hf/stories260K-hf"})
    void otherLayoutsAreNot(String fixture) {
        assertThat(detect(Checkpoints.fixture(fixture))).isEqualTo(Detection.NONE);
    }

    @Test
    void aConfigNamingAnotherMethodWinsOverTensorNames() throws IOException {
        var tensors = Checkpoints.read(Checkpoints.fixture("bnb_nf4_bs64").resolve("model.safetensors"));
        Path folder = Checkpoints.folder(dir.resolve("m"), "bnb_nf4_bs64", tensors);
        Files.writeString(folder.resolve("config.json"), "{\"quantization_config\": {\"quant_method\": \"gptq\"}}");
        assertThat(detect(folder)).isEqualTo(Detection.NONE);
    }

    @Test
    void anOldConfigWithoutMethodButLoadIn8bitIsBitsandbytes() throws IOException {
        var tensors = Checkpoints.read(Checkpoints.fixture("bnb_int8").resolve("model.safetensors"));
        Path folder = Checkpoints.folder(dir.resolve("m"), "bnb_int8", tensors);
        Files.writeString(folder.resolve("config.json"), "{\"quantization_config\": {\"load_in_8bit\": true}}");
        assertThat(detect(folder)).isEqualTo(Detection.LAYOUT);
    }

    @Test
    void aMergedModelWhoseConfigStillNamesBitsandbytesIsReadAsPlainTensors() throws IOException {
        // QLoRA users merge adapters into f16 weights and keep the bnb config: llama.cpp refuses it
        var tensors = Checkpoints.read(Checkpoints.fixture("plain_f16").resolve("model.safetensors"));
        Path folder = Checkpoints.folder(dir.resolve("m"), "bnb_nf4_dq_bs64", tensors);
        assertThat(detect(folder)).isEqualTo(Detection.LAYOUT);
        try (ModelSource m = reader.open(folder, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).hasSize(tensors.size()).noneMatch(t -> t.info().type().isQuantized());
            assertThat(m.metadata().file("config.json")).isPresent();
        }
    }

    @Test
    void aBrokenConfigLeavesItToTheTensors() throws IOException {
        var tensors = Checkpoints.read(Checkpoints.fixture("bnb_nf4_bs64").resolve("model.safetensors"));
        Path folder = Checkpoints.folder(dir.resolve("m"), "bnb_nf4_bs64", tensors);
        Files.writeString(folder.resolve("config.json"), "{\"quantization_config\": ");
        assertThat(detect(folder)).isEqualTo(Detection.LAYOUT);
    }

    @Test
    void filesThatAreNotSafetensorsAreNone() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.safetensors"), "not a model".getBytes(StandardCharsets.UTF_8));
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        byte[] model = Files.readAllBytes(Checkpoints.fixture("bnb_nf4_dq_bs64").resolve("model.safetensors"));
        Path truncated = Files.write(dir.resolve("truncated.safetensors"), java.util.Arrays.copyOf(model, 5000));
        Path gguf = Checkpoints.FIXTURES.getParent().resolve("data/gguf/stories260K.gguf");
        for (Path p : List.of(garbage, empty, truncated, gguf, dir.resolve("missing"), dir)) {
            assertThat(detect(p)).as(p.toString()).isEqualTo(Detection.NONE);
        }
    }

    @Test
    void theSharedSafetensorsFilesAreNone() throws IOException {
        try (Stream<Path> s = Files.walk(Checkpoints.FIXTURES.getParent().resolve("data/safetensors"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".safetensors")).toList();
            assertThat(files).isNotEmpty();
            for (Path p : files) {
                assertThat(detect(p)).as(p.toString()).isEqualTo(Detection.NONE);
            }
        }
    }

    @Test
    void theLogicalTensorReplacesItsPartsWhereThePackedWeightWas() throws IOException {
        Path folder = Checkpoints.fixture("bnb_nf4_dq_bs64");
        LinkedHashMap<String, Checkpoints.Entry> stored = Checkpoints.read(folder);
        try (ModelSource m = reader.open(folder, Checkpoints.CONTEXT)) {
            List<String> expectedOrder = stored.keySet().stream()
                    .filter(n -> m.tensors().stream().anyMatch(t -> t.name().equals(n))).toList();
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactlyElementsOf(expectedOrder);
            assertThat(m.metadata().file("config.json")).isPresent();
            assertThat(m.metadata().string("safetensors.format")).contains("pt");
        }
    }
}
