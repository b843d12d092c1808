package org.example.requant.npy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs {@code python3} from the PATH, for checks against Python's zipfile and numpy when they are there. */
final class Python {
    record Result(int exit, String out, String err) {
    }

    private static final Optional<String> NUMPY = probe("import numpy; print(numpy.__version__)");
    private static final boolean PYTHON = probe("print(1)").isPresent();

    private Python() {
    }

    static boolean available() {
        return PYTHON;
    }

    /** numpy's version, when python3 has it. */
    static Optional<String> numpy() {
        return NUMPY;
    }

    /** Runs a script with arguments; throws when it fails, with its stderr. */
    static List<String> script(Path dir, String script, String... args) throws IOException, InterruptedException {
        Path file = Files.writeString(dir.resolve("script.py"), script);
        List<String> command = new ArrayList<>(List.of("python3", file.toString()));
        command.addAll(List.of(args));
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError("python failed (exit " + r.exit() + "):\n" + r.err());
        }
        return r.out().lines().toList();
    }

    private static Optional<String> probe(String code) {
        try {
            Result r = run(List.of("python3", "-c", code));
            return r.exit() == 0 ? Optional.of(r.out().strip()) : Optional.empty();
        } catch (IOException | InterruptedException e) {
            return Optional.empty();
        }
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PYTHONIOENCODING", "utf-8");
        Path err = Files.createTempFile("python", ".err");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("python did not finish in 300 s: " + command);
            }
            return new Result(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
