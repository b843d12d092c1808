package dev.requant.plugins.gguf;

import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Opening inputs and copying a source through a sink, as the host will. */
final class Models {
    static final Path TESTDATA = TestData.root();
    static final Path GGUF = TESTDATA.resolve("data/gguf");

    private Models() {
    }

    static ModelSource open(Path path) throws IOException {
        return new GgufReader().open(path, (id, p) -> {
            throw new IOException("no other reader in this test");
        });
    }

    /** A plan that stores every tensor of {@code source} as it is. */
    static OutputPlan planOf(ModelSource source, Optional<String> quantization) {
        List<PlannedTensor> tensors = source.tensors().stream()
                .map(t -> new PlannedTensor(t.info(), stored(t).parts().stream().map(TensorPart::spec).toList()))
                .toList();
        return new OutputPlan(source.metadata(), tensors, quantization);
    }

    /**
     * Copies every part in chunks of {@code chunk} bytes, last chunk first, so that the sink's
     * positional writes are exercised out of order.
     */
    static void copy(ModelSource source, ModelSink sink, int chunk) throws IOException {
        List<SourceTensor> tensors = source.tensors();
        for (int i = tensors.size() - 1; i >= 0; i--) {
            List<TensorPart> parts = stored(tensors.get(i)).parts();
            for (int p = 0; p < parts.size(); p++) {
                MemorySegment data = parts.get(p).data();
                long chunks = (data.byteSize() + chunk - 1) / chunk;
                for (long c = chunks - 1; c >= 0; c--) {
                    long from = c * chunk;
                    sink.write(i, p, from, data.asSlice(from, Math.min(chunk, data.byteSize() - from)));
                }
            }
        }
    }

    /** Reads {@code input}, writes it through the GGUF writer to {@code output} and commits. */
    static void rewrite(Path input, Path output, Optional<String> quantization, Map<String, String> options)
            throws IOException {
        try (ModelSource source = open(input)) {
            ModelSink sink = new GgufWriter().create(output, planOf(source, quantization), options);
            copy(source, sink, 4096);
            sink.commit();
        }
    }

    static StoredTensor stored(SourceTensor t) {
        return (StoredTensor) t;
    }
}
