package dev.requant.plugins.gptq;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the GPTQ reader recognises: by config, by AutoGPTQ's header entries, by tensor shapes; and what it leaves alone. */
class GptqDetectionTest {
    private static final GptqReader READER = new GptqReader();
    private static final GptqScheme SCHEME = new GptqScheme();

    @TempDir
    Path dir;

    @Test
    void autoGptqsOwnFileNameOpenedDirectly() throws IOException {
        Path fixture = Checkpoints.fixture("gptq_v1_4bit_g128_sym");
        Path file = fixture.resolve("gptq_model-4bit-128g.safetensors");
        assertThat(READER.detect(file, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertExact(file, fixture);
    }

    @Test
    void aLoneAutoGptqFileIsReadFromItsHeaderEntries() throws IOException {
        Path fixture = Checkpoints.fixture("gptq_v1_3bit_g32_asym");
        Path lone = Files.copy(fixture.resolve("gptq_model-3bit-32g.safetensors"), dir.resolve("lone.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, String> params = assertExact(lone, fixture);
        assertThat(params).containsEntry("bits", "3").containsEntry("group", "32").containsEntry("format", "v1")
                .containsEntry("desc_act", "false");
    }

    @Test
    void aLoneGptqModelFileIsReadFromItsShapes() throws IOException {
        // no config and no header entries: bits from qzeros, groups from g_idx, sym from the zero points, v1
        Path fixture = Checkpoints.fixture("gptq_v1_4bit_g32_asym_act_partial");
        Path lone = Files.copy(fixture.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, String> params = assertExact(lone, fixture);
        assertThat(params).containsEntry("bits", "4").containsEntry("group", "32").containsEntry("sym", "false")
                .containsEntry("desc_act", "true").containsEntry("format", "v1");
    }

    @Test
    void symmetryIsReadFromTheZeroPointsWithoutConfig() throws IOException {
        Path fixture = Checkpoints.fixture("hf/stories260K_gptq_v1_4bit_g32_sym_act");
        Path lone = Files.copy(fixture.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertThat(assertExact(lone, fixture)).containsEntry("sym", "true");
    }

    @Test
    void shardsWithALayersPartsInDifferentFiles() throws IOException {
        Path fixture = Checkpoints.fixture("gptq_v2_8bit_g128_asym_act");
        List<Checkpoints.Tensor> all = Checkpoints.stored(fixture);
        // the g_idx and scales of every layer in one shard, qweight and qzeros (and the rest) in the other
        List<Checkpoints.Tensor> first = all.stream().filter(t -> t.name().endsWith("g_idx")
                || t.name().endsWith("scales")).toList();
        List<Checkpoints.Tensor> second = all.stream().filter(t -> !first.contains(t)).toList();
        Checkpoints.copySideFiles(fixture, dir);
        Checkpoints.write(dir.resolve("model-00001-of-00002.safetensors"), first);
        Checkpoints.write(dir.resolve("model-00002-of-00002.safetensors"), second);
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        for (Checkpoints.Tensor t : all) {
            index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ").append('"').append(t.name())
                    .append("\": \"model-0000").append(first.contains(t) ? 1 : 2).append("-of-00002.safetensors\"");
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}"));
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> expected = Checkpoints.expected(fixture);
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).hasSize(expected.size());
            for (SourceTensor t : m.tensors()) {
                assertThat(Checkpoints.firstDifference(expected.get(t.name()), Checkpoints.decode(t, SCHEME, 9)))
                        .as(t.name()).isEqualTo(-1);
            }
        }
    }

    /** Decodes the down_proj of layer 0 and returns its encoding's parameters. */
    private static Map<String, String> assertExact(Path checkpoint, Path fixture) throws IOException {
        String name = "model.layers.0.mlp.down_proj.weight";
        float[] expected = Checkpoints.expected(fixture).get(name);
        try (ModelSource m = READER.open(checkpoint, Checkpoints.CONTEXT)) {
            SourceTensor t = m.tensors().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            assertThat(Checkpoints.firstDifference(expected, Checkpoints.decode(t, SCHEME, 5))).isEqualTo(-1);
            return ((Encoding) t.info().type()).params();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixtures/awq_gemm_g32", "fixtures/awq_gemv_g32", "fixtures/ct_w4_g32_sym_bf16",
            "fixtures/ct_w4_g32_asym_f16_sharded", "fixtures/bnb_nf4_dq_bs64", "fixtures/mlx_4bit_g64",
            "fixtures/plain_f16", "fixtures/inc_optimum_4bit_g128_asym_zp0", "fixtures/inc_native_4bit_g32_sym_dim0",
            "fixtures/itrex_blob_int4_refuse", "data/gguf/stories260K.gguf", "fixtures/hf/stories260K-hf",
            "fixtures/README.md", "no/such/path"})
    void otherCheckpointsAndFilesAreNotGptq(String relative) {
        Path p = Checkpoints.FIXTURES.getParent().resolve(relative);
        assertThat(READER.detect(p, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void aLoneAwqFileIsNotGptq() throws IOException {
        Path lone = Files.copy(Checkpoints.fixture("awq_gemm_g32").resolve("model.safetensors"),
                dir.resolve("model.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void garbageIsNotGptq() throws IOException {
        Path junk = Files.write(dir.resolve("junk.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertThat(READER.detect(junk, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }
}
