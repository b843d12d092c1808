package dev.requant.plugins.safetensors;

import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/** Helpers shared by the tests: the shared data folder, file builders and a minimal copy loop. */
final class TestSupport {
    private TestSupport() {
    }

    static Path testdata() {
        return TestData.root();
    }

    static Path data(String relative) {
        return testdata().resolve("data/safetensors").resolve(relative);
    }

    /** A safetensors file: the header length, the header text as given, then {@code data}. */
    static byte[] file(String header, byte[] data) {
        return file(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] file(byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(header.length).put(header).put(data).array();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p;
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    static byte[] data(StoredTensor t) {
        return bytes(t.parts().getFirst().data());
    }

    static Map<String, StoredTensor> byName(ModelSource source) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (SourceTensor t : source.tensors()) {
            out.put(t.name(), (StoredTensor) t);
        }
        return out;
    }

    /** The plan that copies a source unchanged. */
    static OutputPlan copyPlan(ModelSource source) {
        List<PlannedTensor> planned = source.tensors().stream()
                .map(t -> new PlannedTensor(t.info(), ((StoredTensor) t).parts().stream().map(TensorPart::spec).toList()))
                .toList();
        return new OutputPlan(source.metadata(), planned, Optional.empty());
    }

    /**
     * Copies every tensor of {@code source} through a sink, in chunks of {@code chunk} bytes, the
     * chunks of all tensors written in parallel and in no particular order.
     */
    static void copy(ModelSource source, FormatWriter writer, Path target, Map<String, String> options, int chunk)
            throws IOException {
        OutputPlan plan = copyPlan(source);
        ModelSink sink = writer.create(target, plan, options);
        try {
            List<long[]> pieces = new ArrayList<>();
            for (int i = 0; i < plan.tensors().size(); i++) {
                long size = plan.tensors().get(i).byteSize();
                for (long off = 0; off < size; off += chunk) {
                    pieces.add(new long[] {i, off, Math.min(chunk, size - off)});
                }
            }
            Collections.shuffle(pieces, new Random(42));
            pieces.parallelStream().forEach(p -> {
                StoredTensor t = (StoredTensor) source.tensors().get((int) p[0]);
                try {
                    sink.write((int) p[0], 0, p[1], t.parts().getFirst().data().asSlice(p[1], p[2]));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            sink.commit();
        } catch (IOException | RuntimeException e) {
            sink.abort();
            throw e;
        }
    }

    /** Every file below a folder, hidden ones included, as names relative to it. */
    static List<String> listAll(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** The header length of a safetensors file. */
    static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static String headerText(byte[] file) {
        return new String(file, 8, (int) headerLength(file), StandardCharsets.UTF_8);
    }
}
