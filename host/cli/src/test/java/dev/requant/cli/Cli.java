package dev.requant.cli;

import dev.requant.testdata.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the CLI in-process with the shipped plugin jars (copied to target/test-plugins by the
 * build) and the repository's config folder, capturing stdout and stderr.
 */
final class Cli {
    static final Path TESTDATA = TestData.root();
    static final Path PLUGINS = Path.of(System.getProperty("requant.test.plugins"));
    static final Path CONFIG = Path.of(System.getProperty("requant.config")).resolve("requant.yaml");

    record Result(int code, String out, String err) {
    }

    /** The ids of the shipped plugins, from their jar names (requant-plugin-ID-VERSION.jar). */
    static List<String> shippedPlugins() {
        try (var files = java.nio.file.Files.list(PLUGINS)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("requant-plugin-"))
                    .map(n -> n.substring("requant-plugin-".length(), n.lastIndexOf('-', n.lastIndexOf("-SNAPSHOT") - 1)))
                    .sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The reader ids of the shipped plugins, in the order the host lists them. */
    static List<String> shippedReaders() {
        try (var host = dev.requant.core.plugin.PluginHost.load(List.of(PLUGINS))) {
            return host.registry().readers().stream().map(dev.requant.spi.FormatReader::id).toList();
        }
    }

    private Cli() {
    }

    /** Runs {@code requant ARGS} with the test plugins and config. */
    static synchronized Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--plugins=" + PLUGINS);
        all.add("--config=" + CONFIG);
        return runExactly(all.toArray(String[]::new));
    }

    /** Runs {@code requant ARGS} with nothing added. */
    static synchronized Result runExactly(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
