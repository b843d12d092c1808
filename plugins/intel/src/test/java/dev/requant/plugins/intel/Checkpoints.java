package dev.requant.plugins.intel;

import dev.requant.kernels.Kernels;
import dev.requant.plugins.safetensors.SafetensorsReader;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Test helpers: the shared fixtures, the safetensors container opened through the real reader (as
 * the host does through {@link ReaderContext}), safetensors files written from raw tensors, and
 * whole tensors decoded to f32.
 */
final class Checkpoints {
    static final Path FIXTURES = Path.of(System.getProperty("requant.shared")).resolve("fixtures");

    /** The host's way of opening another reader's format, with the real safetensors reader. */
    static final ReaderContext CONTEXT = new ReaderContext() {
        @Override
        public ModelSource open(String readerId, Path path) throws IOException {
            if (!readerId.equals(SafetensorsReader.ID)) {
                throw new IOException("no plugin provides the reader '" + readerId + "'");
            }
            return new SafetensorsReader().open(path, this);
        }
    };

    /** A tensor as stored: safetensors dtype name, shape, little-endian bytes. */
    record Raw(String dtype, long[] shape, byte[] data) {
        Raw withShape(long... newShape) {
            return new Raw(dtype, newShape, data);
        }
    }

    private Checkpoints() {
    }

    static Stream<String> fixtures(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(FIXTURES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList().stream();
        }
    }

    /** Every tensor of a safetensors file or folder, as stored. */
    static Map<String, Raw> read(Path path) throws IOException {
        Map<String, Raw> out = new LinkedHashMap<>();
        try (ModelSource s = CONTEXT.open(SafetensorsReader.ID, path)) {
            for (SourceTensor t : s.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                out.put(t.name(), new Raw(p.spec().dtype().name(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return out;
    }

    /** Writes a safetensors file with {@code {"format": "pt"}} metadata. */
    static Path write(Path file, Map<String, Raw> tensors) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Raw r = e.getValue();
            h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(r.dtype()).append("\",\"shape\":[")
                    .append(java.util.Arrays.stream(r.shape()).mapToObj(Long::toString).collect(Collectors.joining(",")))
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
    static Path copyFixture(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(FIXTURES.resolve(name))) {
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
    static float[] decode(SourceTensor t, Map<String, dev.requant.spi.QuantScheme> schemes) {
        StoredTensor s = (StoredTensor) t;
        int n = Math.toIntExact(t.info().shape().numel());
        float[] out = new float[n];
        if (t.info().type() instanceof Encoding e) {
            int rows = Math.toIntExact(t.info().shape().rows());
            schemes.get(e.scheme()).decode(s, 0, rows, out, 0);
            return out;
        }
        MemorySegment data = s.parts().getFirst().data();
        switch ((ElementType) t.info().type()) {
            case F32 -> Kernels.elements().readF32(data, 0, out, 0, n);
            case F16 -> Kernels.elements().readF16(data, 0, out, 0, n);
            case BF16 -> Kernels.elements().readBf16(data, 0, out, 0, n);
            default -> throw new IllegalArgumentException(t.info().type().id() + " is not a float type");
        }
        return out;
    }

    static byte[] f16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }
}
