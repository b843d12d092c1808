package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed half-way (SIGTERM, as Ctrl-C or a CI timeout does) leaves nothing behind. */
class InterruptIT {
    private static final Path REQUANT = Path.of(System.getProperty("requant.dist")).resolve("bin/requant");

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aKilledRunRemovesItsTempFiles() throws Exception {
        Path out = dir.resolve("big.gguf");
        // a computed model of about 1 GB of f32: long enough to be caught while writing
        Process p = new ProcessBuilder(REQUANT.toString(), "sample", out.toString(), "--hidden", "2048",
                "--intermediate", "8192", "--layers", "8", "--vocab", "8000", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (files().stream().noneMatch(f -> f.getFileName().toString().endsWith(".part"))) {
            assertThat(p.isAlive()).as("still converting when its temp file appears").isTrue();
            assertThat(System.nanoTime()).as("temp file within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        Thread.sleep(300);
        assertThat(p.isAlive()).as("killed while converting, not after").isTrue();
        List<ProcessHandle> all = Stream.concat(Stream.of(p.toHandle()), p.toHandle().descendants()).toList();
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            h.onExit().get(30, TimeUnit.SECONDS);
        }
        assertThat(files()).extracting(f -> f.getFileName().toString()).containsExactly("log.txt");
    }
}
