package dev.requant.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the node scripts of {@code src/test/node} with the npm packages pinned by its lockfile:
 * node-llama-cpp (llama.cpp's prebuilt CPU library), {@code @huggingface/gguf} and
 * {@code @huggingface/tokenizers}.
 *
 * <p>The packages take about 90 MB, so they are installed once per lockfile into
 * {@code requant.node.cache/<hash of package.json and lockfile>} and kept between builds. The
 * scripts are copied to {@code target/it-node}, next to a {@code node_modules} link into that
 * folder, because node finds ES module imports only in {@code node_modules} folders above the
 * importing script.
 */
final class NodeTools {
    private static final Path SOURCES = Path.of(System.getProperty("requant.config"))
            .resolveSibling("host/cli/src/test/node");
    private static final Path CACHE = Path.of(System.getProperty("requant.node.cache"));
    private static final Path WORK = Path.of(System.getProperty("requant.dist")).resolveSibling("it-node");
    private static final int MIN_NODE = 20;
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static boolean prepared;

    record Output(int code, String out, String err) {
    }

    private NodeTools() {
    }

    /** Runs {@code node SCRIPT ARGS} and parses what it printed on stdout; its stderr is echoed to stderr. */
    static JsonNode run(String script, List<String> args) throws IOException {
        prepare();
        List<String> command = new ArrayList<>(List.of("node", WORK.resolve(script).toString()));
        command.addAll(args);
        Output o = exec(command, WORK, RUN_TIMEOUT);
        // llama.cpp repeats its load warnings for every model: each is shown once
        o.err().lines().distinct().forEach(System.err::println);
        if (o.code() != 0) {
            throw new AssertionError(script + " exited with " + o.code() + ":\n" + o.err());
        }
        return JSON.readTree(o.out());
    }

    static synchronized void prepare() throws IOException {
        if (prepared) {
            return;
        }
        checkNode();
        Path modules = install();
        Files.createDirectories(WORK);
        try (Stream<Path> s = Files.list(SOURCES)) {
            for (Path script : s.filter(p -> p.toString().endsWith(".mjs")).toList()) {
                Files.copy(script, WORK.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path link = WORK.resolve("node_modules");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, modules);
        prepared = true;
    }

    private static void checkNode() throws IOException {
        String missing = "the llama.cpp and GGUF-parser checks need node " + MIN_NODE
                + " or newer, with npm, on the PATH (Node.js packages of the OS or nodejs.org)";
        Output v;
        try {
            v = exec(List.of("node", "--version"), WORK.getParent(), Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new AssertionError(missing + ": " + e.getMessage(), e);
        }
        Matcher m = Pattern.compile("v(\\d+)\\.").matcher(v.out());
        if (v.code() != 0 || !m.lookingAt() || Integer.parseInt(m.group(1)) < MIN_NODE) {
            throw new AssertionError(missing + "; `node --version` said: " + (v.out() + v.err()).strip());
        }
    }

    /**
     * The {@code node_modules} folder of the pinned packages, installed if missing.
     *
     * <p>{@code npm install} with the lockfile in place, not {@code npm ci}: the registry this
     * project uses has no 3.22.1 builds of node-llama-cpp's macOS and Windows binary packages,
     * so the lockfile cannot list them and {@code npm ci} refuses it as out of sync, while
     * {@code npm install} installs exactly the locked versions and skips optional packages it
     * cannot find. {@code --omit=optional} leaves out the CUDA and Vulkan builds (600 MB; the
     * CPU build is a direct dependency) and {@code --ignore-scripts} node-llama-cpp's
     * postinstall, which would try to download or build llama.cpp.
     */
    private static Path install() throws IOException {
        byte[] manifest = Files.readAllBytes(SOURCES.resolve("package.json"));
        byte[] lock = Files.readAllBytes(SOURCES.resolve("package-lock.json"));
        Path target = CACHE.resolve(hash(manifest, lock));
        if (Files.isDirectory(target.resolve("node_modules"))) {
            return target.resolve("node_modules");
        }
        Files.createDirectories(CACHE);
        Path temp = Files.createTempDirectory(CACHE, target.getFileName() + ".installing-");
        try {
            Files.write(temp.resolve("package.json"), manifest);
            Files.write(temp.resolve("package-lock.json"), lock);
            long start = System.nanoTime();
            Output o = exec(List.of("npm", "install", "--ignore-scripts", "--omit=optional", "--no-audit", "--no-fund",
                    "--loglevel=error"), temp, INSTALL_TIMEOUT);
            if (o.code() != 0) {
                throw new AssertionError("npm install in " + temp + " exited with " + o.code() + ":\n" + o.err());
            }
            // what npm ci would refuse: a lockfile that does not pin what package.json asks for
            if (!Arrays.equals(lock, Files.readAllBytes(temp.resolve("package-lock.json")))) {
                throw new AssertionError(SOURCES.resolve("package-lock.json") + " does not match package.json:"
                        + " run `npm install --package-lock-only --ignore-scripts` in " + SOURCES);
            }
            System.out.printf("installed the node packages in %s in %.1f s%n", target,
                    (System.nanoTime() - start) / 1e9);
            // Whole or not at all: a build that stops half-way leaves only a temp folder behind.
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target.resolve("node_modules"))) {
                    throw e;
                }
                // another build installed the same lockfile meanwhile
            }
        } finally {
            deleteTree(temp);
        }
        return target.resolve("node_modules");
    }

    private static String hash(byte[] manifest, byte[] lock) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(manifest);
            sha.update((byte) 0);
            sha.update(lock);
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command with its output in files (no pipe to drain), killing it after the timeout. */
    private static Output exec(List<String> command, Path dir, Duration timeout) throws IOException {
        Path out = Files.createTempFile("requant-node-", ".out");
        Path err = Files.createTempFile("requant-node-", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + ":\n"
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
