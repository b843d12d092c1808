package dev.requant.plugins.testing;

import dev.requant.plugins.safetensors.SafetensorsReader;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checkpoints as tensors by name with their safetensors dtype names, for tests that take a
 * fixture apart and write it again with a tensor changed: reading, writing with a
 * {@code __metadata__} format, copying a fixture's files, and decoding whole tensors.
 */
public final class RawCheckpoints {
    /** A tensor as stored: safetensors dtype name, shape, little-endian bytes. */
    public record Raw(String dtype, long[] shape, byte[] data) {
        public Raw withShape(long... newShape) {
            return new Raw(dtype, newShape, data);
        }
    }

    private RawCheckpoints() {
    }

    /** The names of the fixtures that start with {@code prefix}, sorted. */
    public static Stream<String> fixtures(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList().stream();
        }
    }

    /** Every tensor of a safetensors file or folder, as stored. */
    public static Map<String, Raw> read(Path path) throws IOException {
        Map<String, Raw> out = new LinkedHashMap<>();
        try (ModelSource s = Checkpoints.CONTEXT.open(SafetensorsReader.ID, path)) {
            for (SourceTensor t : s.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                out.put(t.name(), new Raw(p.spec().dtype().name(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return out;
    }

    /** Writes a safetensors file whose {@code __metadata__} says {@code {"format": format}}. */
    public static Path write(Path file, Map<String, Raw> tensors, String format) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"" + format + "\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Raw r = e.getValue();
            h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(r.dtype()).append("\",\"shape\":[")
                    .append(Arrays.stream(r.shape()).mapToObj(Long::toString).collect(Collectors.joining(",")))
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + r.data().length).append("]}");
            offset += r.data().length;
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        tensors.values().forEach(r -> b.put(r.data()));
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, b.array());
    }

    /** A fixture's files copied into {@code dir}, without its expected values and manifest. */
    public static Path copyFixture(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES.resolve(name))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (!n.equals("expected.safetensors") && !n.equals("manifest.json")) {
                    Files.copy(p, dir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return dir;
    }

    /** A whole tensor as f32: a quantized one through its scheme, a float one as stored. */
    public static float[] decode(SourceTensor t, Map<String, QuantScheme> schemes) {
        QuantScheme scheme = t.info().type() instanceof Encoding e ? schemes.get(e.scheme()) : null;
        return Checkpoints.decode(t, scheme, Math.toIntExact(Math.max(1, t.info().shape().dim(0))));
    }

    public static byte[] f16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }
}
