package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/third-party-plugin, built by the invoker against this build's spi artifact as a third
 * party would build it, works when its jar is dropped into a plugins folder.
 */
class ThirdPartyPluginIT {
    private static final Path BUILT = Path.of(System.getProperty("requant.third.party.plugin"));
    private static final Path RECIPE = Path.of(System.getProperty("requant.config"))
            .resolveSibling("examples/third-party-plugin/npz-to-gguf.yaml");

    @TempDir
    Path dir;

    private Path plugins;

    @BeforeEach
    void dropTheJar() throws IOException {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> s = Files.list(BUILT)) {
            Path jar = s.filter(p -> p.getFileName().toString().matches("requant-npy-plugin-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the invoker did not build the example plugin in " + BUILT));
            Files.copy(jar, plugins.resolve(jar.getFileName()));
        }
    }

    @Test
    void isListedWithItsReaderAndWriter() {
        Cli.Result r = Cli.run("plugins", "--plugins=" + plugins);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("npy 1.0.0").contains("readers: npz").contains("writers: npz");
    }

    @Test
    void aRecipeReadsAndWritesItsFormat() throws IOException {
        Path npz = dir.resolve("arrays.npz");
        Cli.Result sample = Cli.run("sample", npz.toString(), "--format", "npz", "--plugins=" + plugins);
        assertThat(sample.code()).as(sample.err()).isZero();
        assertThat(npz).isRegularFile();

        Cli.Result run = Cli.run("run", RECIPE.toString(), "--plugins=" + plugins, "--set", "in=" + npz,
                "--set", "out=" + dir.resolve("out"), "--set", "type=q8_0");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("wrote " + dir.resolve("out/model.gguf") + " (gguf, Q8_0)")
                .contains("verify " + dir.resolve("out/model.gguf"));
        assertThat(cosineOfAllMeasured(run.out(), dir.resolve("out/model.gguf"))).isGreaterThan(0.99)
                .isLessThanOrEqualTo(1);
        assertThat(dir.resolve("out/report.json")).isRegularFile();

        Cli.Result inspect = Cli.run("inspect", dir.resolve("out/model.gguf").toString(), "--plugins=" + plugins);
        assertThat(inspect.out()).contains("q8_0").contains("model.layers.0.input_layernorm.weight");

        Path back = dir.resolve("back.npz");
        Cli.Result toNpz = Cli.run("convert", dir.resolve("out/model.safetensors").toString(), back.toString(),
                "--plugins=" + plugins);
        assertThat(toNpz.code()).as(toNpz.err()).isZero();
        Cli.Result again = Cli.run("inspect", back.toString(), "--plugins=" + plugins, "--debug");
        assertThat(again.code()).isZero();
        assertThat(again.out()).startsWith(back + ": npz, 21 tensors");
        assertThat(again.err()).as("the plugin logs through the host's slf4j")
                .contains("requant: DEBUG NpzReader: " + back + ": 21 array(s)\n");
    }

    /** The cosine column (the recipe's second metric) of an output's "all measured" row in the verify table. */
    private static double cosineOfAllMeasured(String out, Path output) {
        Matcher m = Pattern.compile("verify " + Pattern.quote(output.toString())
                + ".*\\n(?:.*\\n)*?  all measured +[0-9.e+-]+ +([0-9.e+-]+)\\n").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
