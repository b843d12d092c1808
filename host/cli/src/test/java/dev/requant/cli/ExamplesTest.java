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
                .contains("verify " + dir.resolve("model-Q8_0.gguf")).contains("REL_RMSE");
        assertThat(dir.resolve("report.json")).isRegularFile();
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

    @Test
    void huggingFaceToGgufAndBack() throws IOException {
        Path gguf = dir.resolve("stories-Q8_0.gguf");
        Cli.Result to = Cli.run("run", EXAMPLES.resolve("recipes/hf-to-gguf.yaml").toString(),
                "--set", "in=" + HfLlamaConversionTest.STORIES_HF, "--set", "out=" + gguf);
        assertThat(to.code()).as(to.err()).isZero();
        assertThat(to.out()).startsWith("transform hf-to-gguf\n").contains("(gguf, Q8_0)");
        Cli.Result inspect = Cli.run("inspect", gguf.toString());
        assertThat(inspect.out()).contains("blk.0.attn_q.weight").contains("q8_0").contains("tokenizer.ggml.model = llama");

        Path hf = dir.resolve("stories-hf");
        Cli.Result back = Cli.run("run", EXAMPLES.resolve("recipes/gguf-to-hf.yaml").toString(),
                "--set", "in=" + STORIES, "--set", "out=" + hf);
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(back.out()).startsWith("transform gguf-to-hf\n");
        assertThat(Files.list(hf).map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("config.json",
                "model.safetensors", "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json");
        Cli.Result weights = Cli.run("inspect", hf.toString());
        assertThat(weights.out()).contains("model.layers.0.self_attn.q_proj.weight").contains("bf16")
                .contains("model.norm.weight");
    }
}
