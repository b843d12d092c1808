package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With every shipped plugin installed at once, each quantized-checkpoint fixture is recognised by
 * the reader of its family alone (no two readers claim it), or refused when its manifest says so.
 */
class FixtureDetectionTest {
    private static final Map<String, String> READER_OF_FAMILY = Map.of("awq", "awq", "bnb4", "bnb", "bnb8", "bnb",
            "ct", "compressed-tensors", "gptq", "gptq", "inc", "inc", "mlx", "mlx", "plain", "safetensors");

    static Stream<Path> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(Cli.TESTDATA.resolve("fixtures"))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void isRecognisedByItsFamilysReader(Path fixture) throws IOException {
        String manifest = Files.readString(fixture.resolve("manifest.json"));
        String family = field(manifest, "family");
        Cli.Result r = Cli.run("inspect", fixture.toString());
        if (field(manifest, "expect").equals("refuse")) {
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            assertThat(r.err().strip()).startsWith("requant: " + fixture + ": tensor ").doesNotContain("\n");
        } else {
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).startsWith(fixture + ": " + READER_OF_FAMILY.get(family) + ", ");
        }
    }

    private static String field(String json, String key) {
        var m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as(key).isTrue();
        return m.group(1);
    }
}
