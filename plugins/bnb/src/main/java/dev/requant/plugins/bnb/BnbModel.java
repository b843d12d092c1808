package dev.requant.plugins.bnb;

import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.util.List;

/** A bitsandbytes checkpoint: the container's metadata and aux files, the logical tensors. */
final class BnbModel implements ModelSource {
    private final ModelSource container;
    private final List<SourceTensor> tensors;

    BnbModel(ModelSource container, List<SourceTensor> tensors) {
        this.container = container;
        this.tensors = List.copyOf(tensors);
    }

    @Override
    public String format() {
        return BnbReader.ID;
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
