package dev.requant.plugins.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.Kernels;
import dev.requant.plugins.safetensors.SafetensorsReader;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.FormatReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractThrowableAssert;

/**
 * Test helpers of the quantized-checkpoint plugins: the fixtures of the test data, the host's way of opening
 * through the real safetensors reader, checkpoints written from stored tensors, and damaged copies.
 */
public final class Checkpoints {
    public static final Path FIXTURES = TestData.path("fixtures");

    /** What the host gives a reader: other readers by id (here the safetensors one). */
    public static final ReaderContext CONTEXT = new ReaderContext() {
        @Override
        public ModelSource open(String readerId, Path path) throws IOException {
            if (!readerId.equals(SafetensorsReader.ID)) {
                throw new IOException("no reader " + readerId);
            }
            return new SafetensorsReader().open(path, this);
        }
    };

    /** A tensor to write: name, dtype, shape and little-endian bytes. */
    public record Tensor(String name, ElementType dtype, long[] shape, byte[] data) {
        public Tensor withData(byte[] newData) {
            return new Tensor(name, dtype, shape, newData);
        }

        public Tensor withShape(long... newShape) {
            return new Tensor(name, dtype, newShape, data);
        }

        public Tensor withInt(long i, int value) {
            byte[] copy = data.clone();
            ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(4 * i), value);
            return withData(copy);
        }
    }

    private Checkpoints() {
    }

    public static Path fixture(String name) {
        return FIXTURES.resolve(name);
    }

    /** The tensors of a checkpoint's weight files, as stored, in file order. */
    public static List<Tensor> stored(Path checkpoint) throws IOException {
        try (ModelSource s = new SafetensorsReader().open(checkpoint, CONTEXT)) {
            List<Tensor> out = new ArrayList<>();
            for (SourceTensor t : s.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                out.add(new Tensor(t.name(), p.spec().dtype(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
            return out;
        }
    }

    /** {@code expected.safetensors} of a fixture: f32 values by name. */
    public static Map<String, float[]> expected(Path fixture) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (ModelSource s = new SafetensorsReader().open(fixture.resolve("expected.safetensors"), CONTEXT)) {
            for (SourceTensor t : s.tensors()) {
                out.put(t.name(), plain((StoredTensor) t));
            }
        }
        return out;
    }

    /** The values of a plain float tensor. */
    public static float[] plain(StoredTensor t) {
        int n = Math.toIntExact(t.info().shape().numel());
        float[] v = new float[n];
        TensorPart p = t.parts().getFirst();
        switch ((ElementType) t.info().type()) {
            case F32 -> Kernels.elements().readF32(p.data(), 0, v, 0, n);
            case F16 -> Kernels.elements().readF16(p.data(), 0, v, 0, n);
            case BF16 -> Kernels.elements().readBf16(p.data(), 0, v, 0, n);
            default -> throw new IllegalArgumentException(t.name() + " is " + t.info().type());
        }
        return v;
    }

    /** Every value of a tensor, decoded {@code chunkRows} rows at a time by {@code scheme} when quantized. */
    public static float[] decode(SourceTensor t, QuantScheme scheme, int chunkRows) {
        if (!(t.info().type() instanceof Encoding)) {
            return plain((StoredTensor) t);
        }
        long rows = t.info().shape().dim(0);
        int rowLength = Math.toIntExact(t.info().shape().dim(1));
        float[] v = new float[Math.toIntExact(rows * rowLength)];
        for (long r = 0; r < rows; r += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - r);
            scheme.decode((StoredTensor) t, r, n, v, Math.toIntExact(r * rowLength));
        }
        return v;
    }

    /** Index of the first element whose bits differ, or -1. */
    public static int firstDifference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return Math.min(expected.length, actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Writes a safetensors file (header padded to 8 bytes, as the Rust writer does). */
    public static Path write(Path file, List<Tensor> tensors) {
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        for (Tensor t : tensors) {
            if (h.length() > 1) {
                h.append(',');
            }
            h.append('"').append(t.name()).append("\":{\"dtype\":\"").append(t.dtype().name()).append("\",\"shape\":")
                    .append(Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]")))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + t.data().length).append("]}");
            offset += t.data().length;
        }
        h.append('}');
        while ((8 + h.length()) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        tensors.forEach(t -> b.put(t.data()));
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of a fixture's side files (config.json, ...) into {@code dir}. */
    public static void copySideFiles(Path fixture, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(fixture)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".json")
                    && !p.getFileName().toString().equals("manifest.json")
                    && !p.getFileName().toString().endsWith(".index.json")).toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The tensor named {@code name}. */
    public static Tensor named(List<Tensor> tensors, String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** The list with the tensor of the same name replaced. */
    public static List<Tensor> replace(List<Tensor> tensors, Tensor replacement) {
        return tensors.stream().map(t -> t.name().equals(replacement.name()) ? replacement : t).toList();
    }

    /** The list without the named tensor. */
    public static List<Tensor> without(List<Tensor> tensors, String name) {
        return tensors.stream().filter(t -> !t.name().equals(name)).toList();
    }

    /**
     * A fixture copied into {@code dir} with its tensors and its config.json edited: side files as
     * they are, the tensors written to {@code model.safetensors}.
     */
    public static Path editedCopy(String fixture, Path dir, UnaryOperator<List<Tensor>> edit,
                                  UnaryOperator<String> config) throws IOException {
        Path from = fixture(fixture);
        copySideFiles(from, dir);
        Files.writeString(dir.resolve("config.json"), config.apply(Files.readString(dir.resolve("config.json"))));
        write(dir.resolve("model.safetensors"), edit.apply(stored(from)));
        return dir;
    }

    /** The named tensor cut to {@code shape}: its first bytes, as many as the shape holds. */
    public static Tensor cut(List<Tensor> tensors, String name, long... shape) {
        Tensor t = named(tensors, name);
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        return t.withShape(shape).withData(Arrays.copyOf(t.data(), Math.toIntExact(n * t.dtype().bits() / 8)));
    }

    /** The assertion that {@code reader} refuses the checkpoint as bad input in {@code tensor}. */
    public static AbstractThrowableAssert<?, ?> refusing(FormatReader reader, Path checkpoint, String tensor) {
        return assertThatThrownBy(() -> reader.open(checkpoint, CONTEXT).close())
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(((BadInputException) e).tensor()).isEqualTo(tensor));
    }
}
