package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real file of testdata/data goes through {@code requant inspect}: the valid ones are read,
 * the damaged ones refused with one clear line and exit code 3.
 */
class RealFilesInspectTest {
    /** The damaged files of the test data, by file name. */
    private static final List<String> DAMAGED = List.of(
            "threatflux-gguf_rs-test_model.INVALID-offsets.gguf", "syoyo-safetensors_abuse_attempt_1.safetensors");

    static Stream<Path> files() throws IOException {
        Path data = Cli.TESTDATA.resolve("data");
        try (Stream<Path> s = Files.walk(data)) {
            List<Path> all = s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".gguf") || p.toString().endsWith(".safetensors")).sorted().toList();
            return Stream.concat(all.stream(), Stream.of(data.resolve("safetensors/fluxml-safetensors.jl/sharded"),
                    data.resolve("hf/minicpm3-4b")));
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void isReadOrRefusedClearly(Path file) {
        Cli.Result r = Cli.run("inspect", file.toString());
        String name = file.getFileName().toString();
        if (DAMAGED.contains(name)) {
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            assertThat(r.err().strip()).startsWith("requant: " + file + ": offset ").doesNotContain("\n");
        } else if (name.equals("minicpm3-4b")) {
            assertThat(r.code()).as("tokenizer files only, no weights").isEqualTo(3);
            assertThat(r.err().strip()).isEqualTo("requant: " + file + ": no installed reader recognises it (readers: "
                    + String.join(", ", Cli.shippedReaders()) + ")");
        } else {
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).startsWith(file + ": ").contains("TENSOR").contains("memory to load");
            assertThat(r.err()).isEmpty();
        }
    }
}
