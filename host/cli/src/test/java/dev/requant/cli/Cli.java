package dev.requant.cli;

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
    static final Path SHARED = Path.of(System.getProperty("requant.shared")).toAbsolutePath().normalize();
    static final Path PLUGINS = Path.of(System.getProperty("requant.test.plugins"));
    static final Path CONFIG = Path.of(System.getProperty("requant.config")).resolve("requant.yaml");

    record Result(int code, String out, String err) {
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
