package dev.requant.plugins.hfgguf;

import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.util.List;

/** A view of a source with new names, tensors and metadata; the source's bytes are not copied. */
final class TransformedModel implements ModelSource {
    private final ModelSource source;
    private final String format;
    private final Metadata metadata;
    private final List<SourceTensor> tensors;

    TransformedModel(ModelSource source, String transform, Metadata metadata, List<SourceTensor> tensors) {
        this.source = source;
        this.format = source.format() + "+" + transform;
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<SourceTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
