package dev.requant.plugins.awq;

import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.util.List;

/** A AWQ checkpoint: the safetensors container's metadata, its tensors grouped per layer. */
final class AwqModel implements ModelSource {
    private final ModelSource container;
    private final List<SourceTensor> tensors;

    AwqModel(ModelSource container, List<SourceTensor> tensors) {
        this.container = container;
        this.tensors = List.copyOf(tensors);
    }

    @Override
    public String format() {
        return AwqReader.ID;
    }

    @Override
    public Metadata metadata() {
        return container.metadata();
    }

    @Override
    public List<SourceTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() throws IOException {
        container.close();
    }
}
