package dev.requant.plugins.bnb;

import dev.requant.plugins.safetensors.SafetensorsReader;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import dev.requant.testdata.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test checkpoints: the fixtures of the test data, the real safetensors reader as the container (what the
 * host hands the bnb reader), and copies of fixtures with tensors removed, replaced or added,
 * written as new safetensors files.
 */
final class Checkpoints {
    static final Path FIXTURES = TestData.path("fixtures");

    /** What the host offers: the safetensors reader by its id. */
    static final ReaderContext CONTEXT = new ReaderContext() {
        @Override
        public ModelSource open(String readerId, Path path) throws IOException {
            if (!readerId.equals("safetensors")) {
                throw new IOException("no plugin provides the reader '" + readerId + "'");
            }
            return new SafetensorsReader().open(path, this);
        }
    };

    /** One stored tensor: safetensors dtype, shape and bytes. */
    record Entry(String dtype, long[] shape, byte[] data) {
        static Entry u8(byte[] data) {
            return new Entry("U8", new long[] {data.length}, data);
        }

        static Entry text(String s) {
            return u8(s.getBytes(StandardCharsets.UTF_8));
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private Checkpoints() {
    }

    static Path fixture(String name) {
        return FIXTURES.resolve(name);
    }

    /** The tensors of a safetensors file or folder, in order. */
    static LinkedHashMap<String, Entry> read(Path path) throws IOException {
        LinkedHashMap<String, Entry> out = new LinkedHashMap<>();
        try (ModelSource m = CONTEXT.open("safetensors", path)) {
            for (SourceTensor t : m.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                out.put(t.name(), new Entry(p.spec().dtype().name(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return out;
    }

    /** A safetensors file of these tensors, data in the order given. */
    static void write(Path file, Map<String, Entry> tensors) {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            long start = data.size();
            data.writeBytes(e.getValue().data());
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue().dtype())
                    .append("\",\"shape\":[").append(Arrays.stream(e.getValue().shape()).mapToObj(Long::toString)
                            .collect(Collectors.joining(","))).append("],\"data_offsets\":[").append(start).append(',')
                    .append(data.size()).append("]}");
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data.toByteArray());
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A folder with the fixture's config.json and these tensors as model.safetensors. */
    static Path folder(Path dir, String fixture, Map<String, Entry> tensors) throws IOException {
        Files.createDirectories(dir);
        Files.copy(fixture(fixture).resolve("config.json"), dir.resolve("config.json"));
        write(dir.resolve("model.safetensors"), tensors);
        return dir;
    }
}
