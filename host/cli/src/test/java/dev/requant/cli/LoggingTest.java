package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a conversion writes on stderr by default (progress only), with {@code --debug} (detection,
 * plan, phase timings, the plugins' own lines) and with {@code --quiet} (nothing but errors), and
 * that stdout holds the same results in every case.
 */
class LoggingTest {
    /** The progress lines of a run without a terminal. */
    private static final Pattern PROGRESS = Pattern.compile("requant: \\d+% \\(.* of .*\\)");

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void sample() {
        model = dir.resolve("sample.gguf");
        Cli.Result r = Cli.run("sample", model.toString(), "--layers", "1");
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** Converts the sample to q8_0 with --verify, in a fresh folder, with the given options. */
    private static Cli.Result convert(Path out, String... options) throws IOException {
        Files.createDirectories(out.getParent());
        try (Stream<Path> old = Files.list(out.getParent())) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        List<String> args = new java.util.ArrayList<>(List.of("convert", model.toString(), out.toString(),
                "--type", "q8_0", "--verify"));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    /** Stdout without the line that times the run. */
    private static List<String> results(Cli.Result r) {
        return r.out().lines().filter(l -> !l.startsWith("read ")).toList();
    }

    @Test
    void byDefaultStderrHoldsTheProgressOnly() throws IOException {
        Path out = dir.resolve("default/q8.gguf");
        Cli.Result r = convert(out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().toList()).isNotEmpty().allMatch(l -> PROGRESS.matcher(l).matches());
        assertThat(r.out()).contains("wrote " + out + " (gguf, Q8_0)").contains("fell back");
    }

    @Test
    void debugShowsDetectionThePlanPhaseTimingsAndThePluginsOwnLines() throws IOException {
        Path out = dir.resolve("debug/q8.gguf");
        Cli.Result plain = convert(out);
        Cli.Result r = convert(out, "--debug");
        assertThat(r.code()).as(r.err()).isZero();
        String down = "model.layers.0.mlp.down_proj.weight";
        assertThat(r.err())
                .contains("requant: DEBUG PluginHost: plugin gguf ")
                .contains("requant: DEBUG Session: detect " + model + ": reader safetensors: not recognised\n")
                .contains("requant: DEBUG Session: detect " + model + ": reader gguf (container; the most specific of [gguf])")
                .contains("requant: DEBUG Session: opened " + model + " with reader gguf (detected): 12 tensors")
                .contains("requant: DEBUG Planner: plan q8.gguf: model.layers.0.self_attn.q_proj.weight [64, 64] f32 -> q8_0:"
                        + " convert, lossy; default (--type)\n")
                .contains("requant: DEBUG Planner: plan q8.gguf: " + down + " [64, 172] f32 -> f16: convert, lossy;"
                        + " default (--type); fell back from q8_0: row length 172 is not a multiple of 32 (q8_0 block)\n")
                .contains("requant: DEBUG Planner: plan q8.gguf: model.norm.weight [64] f32: copy, exact; kept (1-d)\n")
                // lines of plugin classes, loaded by PF4J's class loaders, through the host's slf4j
                .contains("requant: DEBUG GgufReader: " + model + ": GGUF v3, 12 tensors, ")
                .contains("requant: DEBUG GgufLayout: " + out + ": ")
                .contains("requant: DEBUG OutputKeys: general.file_type 7, general.quantization_version 2");
        for (String phase : List.of("open", "plan", "convert", "verify", "commit")) {
            assertThat(r.err()).containsPattern("requant: DEBUG (Session|Executor): phase " + phase + ": .*in [0-9.]+ m?s\n");
        }
        assertThat(r.err().lines().filter(l -> !PROGRESS.matcher(l).matches()))
                .as("every other line is a log line").allMatch(l -> l.startsWith("requant: DEBUG "));
        assertThat(results(r)).isEqualTo(results(plain));
    }

    @Test
    void quietPrintsNoProgressAndNoSummaryButWritesTheOutputAndTheReport() throws IOException {
        Path out = dir.resolve("quiet/q8.gguf");
        Cli.Result r = convert(out, "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEmpty();
        assertThat(out).isRegularFile();
        assertThat(out.resolveSibling("report.json")).isRegularFile();
    }

    @Test
    void quietStillReportsErrorsWithTheirExitCode() {
        Path missing = dir.resolve("missing.gguf");
        Cli.Result r = Cli.run("-q", "convert", missing.toString(), dir.resolve("x.gguf").toString(), "--type", "q8_0");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("requant: " + missing + ": no such file or directory\n");
    }

    @Test
    void resultsOnStdoutAreTheSameWhateverTheLogging() {
        for (List<String> command : List.of(List.of("inspect", model.toString()),
                List.of("convert", model.toString(), dir.resolve("plan.gguf").toString(), "--type", "q8_0", "--dry-run"))) {
            Cli.Result plain = Cli.run(command.toArray(String[]::new));
            assertThat(plain.code()).as(plain.err()).isZero();
            assertThat(plain.err()).isEmpty();
            for (String option : List.of("--debug", "--quiet")) {
                List<String> args = new java.util.ArrayList<>(command);
                args.add(option);
                Cli.Result r = Cli.run(args.toArray(String[]::new));
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.out()).as(command + " " + option).isEqualTo(plain.out());
            }
        }
    }
}
