package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every recipe in examples/ runs as its comment says. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("requant.config")).resolveSibling("examples");
    private static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");

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
                "--set", "in=" + HfGgufConversionTest.STORIES_HF, "--set", "out=" + gguf);
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

    @Test
    void huggingFaceToGptqThenRepackedIntoAwqCompressedTensorsAndQ4_0() throws IOException {
        Path gptq = dir.resolve("gptq");
        Cli.Result to = Cli.run("run", EXAMPLES.resolve("recipes/hf-to-gptq.yaml").toString(),
                "--set", "in=" + HfGgufConversionTest.STORIES_HF, "--set", "out=" + gptq, "--set", "group=32");
        assertThat(to.code()).as(to.err()).isZero();
        assertThat(to.out()).contains("wrote " + gptq + " (safetensors").contains("REL_RMSE");
        assertThat(Files.readString(gptq.resolve("config.json"))).contains("\"quant_method\": \"gptq\"");
        assertThat(gptq.resolve("quantize_config.json")).isRegularFile();

        Cli.Result repack = Cli.run("run", EXAMPLES.resolve("recipes/gptq-to-awq.yaml").toString(),
                "--set", "in=" + gptq, "--set", "out=" + dir.resolve("m"), "--set", "group=32");
        assertThat(repack.code()).as(repack.err()).isZero();
        // q, k, v, o of 5 layers and lm_head, in each output (ffn_down has a partial group, gate and up were f16)
        assertThat(exactRepacks(dir.resolve("report.json"))).isEqualTo(21 + 21);
        assertThat(Files.readString(dir.resolve("m-awq/config.json"))).contains("\"quant_method\": \"awq\"");
        assertThat(Files.readString(dir.resolve("m-compressed-tensors/config.json")))
                .contains("\"quant_method\": \"compressed-tensors\"");

        Path gguf = dir.resolve("gguf/m-Q4_0.gguf");
        Cli.Result q4 = Cli.run("run", EXAMPLES.resolve("recipes/gptq-to-q4_0-gguf.yaml").toString(),
                "--set", "in=" + gptq, "--set", "out=" + gguf);
        assertThat(q4.code()).as(q4.err()).isZero();
        assertThat(q4.out()).startsWith("transform hf-to-gguf").containsPattern("blk.0.attn_q.weight +gptq\\S+ -> q4_0 +convert");
        // v and output of 5 layers and output.weight; q and k are permuted as values and quantized again
        assertThat(exactRepacks(dir.resolve("gguf/report.json"))).isEqualTo(11);
    }

    /** Tensors repacked in every output of a report, each checked to be exact with no error. */
    private static int exactRepacks(Path report) {
        int repacked = 0;
        for (var output : new tools.jackson.databind.ObjectMapper().readTree(report.toFile()).get("outputs")) {
            for (var t : output.get("tensors")) {
                if (t.get("action").asString().equals("transcode")) {
                    assertThat(t.get("fidelity").asString()).as(t.get("name").asString()).isEqualTo("exact");
                    assertThat(t.get("metrics").get("max_abs").asDouble()).as(t.get("name").asString()).isZero();
                    repacked++;
                }
            }
        }
        return repacked;
    }

    @Test
    void huggingFaceToBitsandbytesAndMlx() throws IOException {
        for (String recipe : List.of("hf-to-bnb-nf4", "hf-to-mlx")) {
            Path out = dir.resolve(recipe);
            Cli.Result r = Cli.run("run", EXAMPLES.resolve("recipes/" + recipe + ".yaml").toString(),
                    "--set", "in=" + HfGgufConversionTest.STORIES_HF, "--set", "out=" + out, "--set", "group=32");
            assertThat(r.code()).as(r.err()).isZero();
            Cli.Result inspect = Cli.run("inspect", out.toString());
            assertThat(inspect.code()).as(inspect.err()).isZero();
            assertThat(inspect.out()).contains(recipe.contains("bnb") ? "bnb_nf4{" : "mlx{bits:4,group:32");
        }
    }
}
