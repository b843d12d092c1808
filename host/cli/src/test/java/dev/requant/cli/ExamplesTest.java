package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every recipe in examples/ runs as its comment says. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("requant.config")).resolveSibling("examples");
    private static final Path STORIES = Cli.SHARED.resolve("data/gguf/stories260K.gguf");

    @TempDir
    Path dir;

    @Test
    void quickstart() {
        Cli.Result r = Cli.run("run", EXAMPLES.resolve("quickstart.yaml").toString(), "--set", "out=" + dir);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + dir.resolve("model-Q8_0.gguf") + " (gguf, Q8_0)")
                .contains("wrote " + dir.resolve("model-Q4_0.gguf") + " (gguf, Q4_0)")
                .contains("wrote " + dir.resolve("hf-f16") + " (safetensors)")
                .contains("2 of 21 tensors fell back").contains("model.layers.0.mlp.down_proj.weight [256, 688] -> f16")
                .contains("verify:");
        assertThat(dir.resolve("hf-f16/config.json")).exists();
        assertThat(dir.resolve("hf-f16/model.safetensors")).exists();
    }

    @Test
    void ggufRequantize() {
        Cli.Result r = Cli.run("run", EXAMPLES.resolve("recipes/gguf-requantize.yaml").toString(),
                "--set", "in=" + STORIES, "--set", "out=" + dir.resolve("stories"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(dir.resolve("stories-Q8_0.gguf")).exists();
        assertThat(dir.resolve("stories-Q4_0.gguf")).exists();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gptq_v2_4bit_g64_asym", "awq_gemm_g32", "ct_w4_g32_asym_f16_sharded"})
    void gptqToGgufQ4_0ReadsAwqAndCompressedTensorsToo(String fixture) {
        Path out = dir.resolve(fixture + ".gguf");
        Cli.Result r = Cli.run("run", EXAMPLES.resolve("recipes/gptq-to-gguf-q4_0.yaml").toString(),
                "--set", "in=" + Cli.SHARED.resolve("fixtures").resolve(fixture), "--set", "out=" + out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out + " (gguf, Q4_0)");
        assertThat(out).exists();
    }

    @Test
    void safetensorsToGgufAndBack() throws IOException {
        Path hf = dir.resolve("hf");
        assertThat(Cli.run("sample", hf.toString(), "--type", "f16").code()).isZero();
        Cli.Result to = Cli.run("run", EXAMPLES.resolve("recipes/safetensors-to-gguf.yaml").toString(),
                "--set", "in=" + hf, "--set", "out=" + dir.resolve("m.gguf"));
        assertThat(to.code()).as(to.err()).isZero();
        assertThat(to.out()).contains("(gguf, Q8_0)");
        Cli.Result back = Cli.run("run", EXAMPLES.resolve("recipes/gguf-to-safetensors.yaml").toString(),
                "--set", "in=" + dir.resolve("m.gguf"), "--set", "out=" + dir.resolve("f16"));
        assertThat(back.code()).as(back.err()).isZero();
        // GGUF has no place for config.json: the way back brings the weights only
        assertThat(Files.list(dir.resolve("f16")).map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("model.safetensors");
    }
}
