package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every recipe mistake is one line pointing at file:line:column, exit code 2, nothing written. */
class RecipeErrorsTest {
    @TempDir
    Path dir;

    private Cli.Result run(String yaml) throws IOException {
        Path recipe = Files.writeString(dir.resolve("r.yaml"), yaml);
        return Cli.run("run", recipe.toString(), "--set", "out=" + dir.resolve("out"));
    }

    private void assertRecipeError(Cli.Result r, String position, String message) {
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("requant: " + dir.resolve("r.yaml") + ":" + position + ": " + message);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void unknownWriter() throws IOException {
        assertRecipeError(run("""
                input: { sample: {} }
                outputs:
                  - { path: "${out}/m.bin", format: onnx }
                """), "3:37", "no plugin provides the writer 'onnx' (available: gguf, safetensors)");
    }

    @Test
    void unknownReaderAndTransform() throws IOException {
        assertRecipeError(run("""
                input: { path: x.gguf, format: ggml }
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "1:32", "no plugin provides the reader 'ggml' (available: "
                + String.join(", ", Cli.shippedReaders().stream().sorted().toList()) + ")");
        assertRecipeError(run("""
                input: { path: x.gguf }
                transforms: [ hf-to-llama ]
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "2:15", "no plugin provides the transform 'hf-to-llama' (available: gguf-to-hf, hf-to-gguf)");
    }

    @Test
    void unknownTypeAndScheme() throws IOException {
        assertRecipeError(run("""
                input: { sample: {} }
                quantize:
                  default: q3_xx
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "3:12", "no plugin provides the scheme 'q3_xx' (see `requant plugins`)");
        assertRecipeError(run("""
                input: { sample: {} }
                quantize:
                  rules:
                    - { match: "*", type: "q8_0{bits:4}" }
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "4:27", "q8_0 takes no parameters, got 'bits'");
    }

    @Test
    void unknownKeyAndOption() throws IOException {
        assertRecipeError(run("""
                input: { sample: {} }
                outputs:
                  - path: "${out}/m.gguf"
                    max_shard_size: 2GB
                """), "4:5", "unknown key 'max_shard_size' (known keys: format, options, path, quantize)");
        assertRecipeError(run("""
                input: { sample: {} }
                outputs:
                  - path: "${out}/m.gguf"
                    options: { max_shard_size: 2GB }
                """), "4:32", "the gguf writer has no option 'max_shard_size' (options: alignment, split_max_size,"
                + " split_max_tensors)");
    }

    @Test
    void badRegexPresetAndCondition() throws IOException {
        assertRecipeError(run("""
                input: { sample: {} }
                quantize:
                  rules: [ { match: "re:(attn", type: f16 } ]
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "3:21", "bad regular expression: Unclosed group near index 5");
        Cli.Result preset = run("""
                input: { sample: {} }
                quantize: { preset: q9_k }
                outputs: [ { path: "${out}/m.gguf" } ]
                """);
        assertThat(preset.code()).isEqualTo(2);
        assertThat(preset.err()).contains("r.yaml:2:21: no preset 'q9_k' in").contains("(presets: iq4_nl, iq4_xs, q2_k, q3_k_l, q3_k_m, q3_k_s, q4_0, q4_k_m, q4_k_s, q5_k_m, q5_k_s, q6_k, q8_0)");
        assertRecipeError(run("""
                input: { sample: {} }
                outputs: [ { path: "${out}/m.gguf" } ]
                verify: { fail_if: "psnr < 30" }
                """), "3:20", "unknown metric 'psnr' (rmse, rel_rmse, max_abs, cosine)");
    }

    @Test
    void missingSectionsAndUnsetVariables() throws IOException {
        assertRecipeError(run("input: { sample: {} }\n"), "1:1", "the recipe has no 'outputs'");
        assertRecipeError(run("""
                input: { sample: {} }
                outputs: [ { path: "${dest}/m.gguf" } ]
                """), "2:20", "variable 'dest' is not set (use --set dest=VALUE)");
        assertRecipeError(run("""
                input: { sample: {}, path: m.gguf }
                outputs: [ { path: "${out}/m.gguf" } ]
                """), "1:8", "the input needs exactly one of 'path' or 'sample'");
    }

    @Test
    void anOutputCannotOverwriteTheInput() throws IOException {
        Path model = dir.resolve("m.gguf");
        Files.copy(Cli.TESTDATA.resolve("data/gguf/stories260K.gguf"), model);
        Cli.Result r = run("""
                input: { path: "%s" }
                outputs: [ { path: "%s" } ]
                """.formatted(model, model));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("the output would overwrite the input");
    }
}
