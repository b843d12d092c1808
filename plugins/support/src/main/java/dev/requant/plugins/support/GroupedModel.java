package dev.requant.plugins.support;

import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.util.List;

/**
 * A quantized checkpoint as its reader presents it: the container's metadata (config files and
 * all), its stored tensors grouped into logical ones per layer; closing it closes the container.
 */
public final class GroupedModel implements ModelSource {
    private final String format;
    private final ModelSource container;
    private final List<SourceTensor> tensors;

    public GroupedModel(String format, ModelSource container, List<SourceTensor> tensors) {
        this.format = format;
        this.container = container;
        this.tensors = List.copyOf(tensors);
    }

    @Override
    public String format() {
        return format;
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
