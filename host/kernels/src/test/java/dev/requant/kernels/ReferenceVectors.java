package dev.requant.kernels;

import dev.requant.testdata.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The ggml reference vectors of the test data ({@code testdata/vectors/ggml}), read at run time. */
public final class ReferenceVectors {
    private ReferenceVectors() {
    }

    public static Path ggml() {
        return TestData.path("vectors/ggml");
    }

    /** The input kinds (normal, zeros, ties, ...): the names of {@code in/*.f32}. */
    public static List<String> kinds() {
        try (Stream<Path> files = Files.list(ggml().resolve("in"))) {
            List<String> kinds = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".f32"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList();
            if (kinds.isEmpty()) {
                throw new IllegalStateException("no inputs in " + ggml().resolve("in"));
            }
            return kinds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] input(String kind) {
        ByteBuffer bytes = ByteBuffer.wrap(read(ggml().resolve("in").resolve(kind + ".f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /**
     * What ggml wrote for {@code kind} in type {@code type}: the folder is ggml's type name, whose
     * case ({@code q4_K}) requant's lower-case names do not keep.
     */
    public static byte[] expected(String type, String kind) {
        try (Stream<Path> dirs = Files.list(ggml())) {
            Path dir = dirs.filter(d -> d.getFileName().toString().equalsIgnoreCase(type)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no folder for " + type + " in " + ggml()));
            return read(dir.resolve(kind + ".bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
