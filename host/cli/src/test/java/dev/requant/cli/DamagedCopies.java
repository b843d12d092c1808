package dev.requant.cli;

import dev.requant.core.Session;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Damaged copies of quantized checkpoints for the CLI tests: the stored tensors read through the
 * safetensors reader, edited, and written anew as one safetensors file beside copies of the side
 * files.
 */
final class DamagedCopies {
    /** A stored tensor: name, dtype, shape, little-endian bytes. */
    record Tensor(String name, ElementType dtype, long[] shape, byte[] data) {
        Tensor withInt(long i, int value) {
            byte[] copy = data.clone();
            ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(4 * i), value);
            return new Tensor(name, dtype, shape, copy);
        }

        Tensor withShape(long... newShape) {
            long n = Arrays.stream(newShape).reduce(1, (a, b) -> a * b);
            return new Tensor(name, dtype, newShape, Arrays.copyOf(data, Math.toIntExact(n * dtype.bits() / 8)));
        }
    }

    private DamagedCopies() {
    }

    /** The tensors of a checkpoint as stored, in file order. */
    static List<Tensor> read(Session session, Path checkpoint) throws IOException {
        try (ModelSource s = session.open(checkpoint, "safetensors")) {
            List<Tensor> out = new ArrayList<>();
            for (SourceTensor t : s.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                out.add(new Tensor(t.name(), p.spec().dtype(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
            return out;
        }
    }

    /** {@code dir} with the fixture's json side files and {@code tensors} as model.safetensors. */
    static Path write(Path fixture, Path dir, List<Tensor> tensors) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(fixture)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith("index.json")
                    && !p.getFileName().toString().equals("manifest.json")).toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        for (Tensor t : tensors) {
            h.append(h.length() > 1 ? "," : "").append('"').append(t.name()).append("\":{\"dtype\":\"")
                    .append(t.dtype().name()).append("\",\"shape\":")
                    .append(Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]")))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + t.data().length).append("]}");
            offset += t.data().length;
        }
        h.append('}');
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        tensors.forEach(t -> b.put(t.data()));
        Files.write(dir.resolve("model.safetensors"), b.array());
        return dir;
    }

    /** The list with the tensor of the same name replaced. */
    static List<Tensor> replace(List<Tensor> tensors, Tensor replacement) {
        return tensors.stream().map(t -> t.name().equals(replacement.name()) ? replacement : t).toList();
    }

    static Tensor named(List<Tensor> tensors, String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }
}
