package dev.requant.core.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeLoaderTest {
    @TempDir
    Path dir;

    private final RecipeLoader loader = new RecipeLoader();

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("r.yaml"), yaml);
    }

    @Test
    void readsEverySectionWithPositions() throws IOException {
        Path f = write("""
                input:  { path: "${in}", format: auto }
                transforms: [ t1 ]
                quantize:
                  preset: q8_0
                  default: q4_0
                  rules:
                    - { match: "*norm*", type: f32 }
                    - { match: "re:layers\\\\.(0|1)\\\\.", type: q8_0 }
                  fallback: [q5_0, f16]
                outputs:
                  - { path: out/a.gguf, format: gguf, options: { alignment: "64" } }
                  - path: out/b
                    quantize: { default: f16 }
                verify: { metrics: [rmse, cosine], fail_if: "rel_rmse > 0.2" }
                """);
        Recipe r = loader.load(f, Map.of("in", "model.safetensors"));
        assertThat(r.input().value().path().value()).isEqualTo("model.safetensors");
        assertThat(r.input().value().path().at()).isEqualTo(new Location(f.toString(), 1, 17));
        assertThat(r.transforms()).extracting(Located::value).containsExactly("t1");
        QuantizeSpec q = r.quantize().value();
        assertThat(q.defaultType().value()).isEqualTo("q4_0");
        assertThat(q.rules()).hasSize(2);
        assertThat(q.rules().get(1).value().match().value()).isEqualTo("re:layers\\.(0|1)\\.");
        assertThat(q.rules().get(1).at().line()).isEqualTo(8);
        assertThat(q.fallback().value()).extracting(Located::value).containsExactly("q5_0", "f16");
        assertThat(r.outputs().value()).hasSize(2);
        assertThat(r.outputs().value().get(0).value().options().get("alignment").value()).isEqualTo("64");
        assertThat(r.outputs().value().get(1).value().quantize().value().defaultType().value()).isEqualTo("f16");
        assertThat(r.verify().value().failIf().value()).isEqualTo("rel_rmse > 0.2");
    }

    @Test
    void unknownKeyNamesLineColumnAndKnownKeys() throws IOException {
        Path f = write("""
                input: { path: a.gguf }
                outputs:
                  - { path: b.gguf, fromat: gguf }
                """);
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith(f + ":3:")
                .hasMessageContaining("unknown key 'fromat'")
                .hasMessageContaining("format");
    }

    @Test
    void missingVariableIsAnErrorAtItsValue() throws IOException {
        Path f = write("input:\n  path: ${model}\noutputs: [ { path: x.gguf } ]\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessage(f + ":2:9: variable 'model' is not set (use --set model=VALUE)");
    }

    @Test
    void unquotedVariablesInFlowStyleGetAHint() throws IOException {
        Path f = write("input: { path: ${model} }\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith(f + ":1:")
                .hasMessageEndingWith("(inside { } or [ ], quote values that hold ${...}: \"${name}\")");
    }

    @Test
    void variableDefaultsApply() throws IOException {
        Path f = write("input: { path: \"${model:-m.gguf}\" }\n");
        assertThat(loader.load(f, Map.of()).input().value().path().value()).isEqualTo("m.gguf");
    }

    @Test
    void badYamlGivesLineAndColumn() throws IOException {
        Path f = write("input: { path: a.gguf\noutputs: [\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessageMatching(java.util.regex.Pattern.quote(f.toString()) + ":\\d+:\\d+: .+");
    }

    @Test
    void duplicateKeysAreRefused() throws IOException {
        Path f = write("input: { path: a.gguf }\ninput: { path: b.gguf }\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith(f + ":2:")
                .hasMessageContaining("input");
    }

    @Test
    void wrongValueShapeIsReported() throws IOException {
        Path f = write("input: { path: a.gguf }\ntransforms: { a: b }\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith(f + ":2:");
    }

    @Test
    void tagsThatBuildObjectsAreNotHonoured() throws IOException {
        Path f = write("input: { path: !!java.io.File [\"/etc/passwd\"] }\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(RecipeException.class);
    }

    @Test
    void emptyAndMissingFiles() throws IOException {
        Path f = write("");
        assertThatThrownBy(() -> loader.load(f, Map.of())).hasMessage(f + ":1:1: the file is empty");
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> loader.load(missing, Map.of())).hasMessage(missing + ": no such file");
    }
}
