package dev.requant.plugins.support;

import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** The container's tensors stored in one part, by name in file order: what a reader groups. */
    public static Map<String, StoredTensor> storedByName(ModelSource container) {
        Map<String, StoredTensor> byName = new LinkedHashMap<>();
        for (SourceTensor t : container.tensors()) {
            if (t instanceof StoredTensor s && s.parts().size() == 1) {
                byName.put(t.name(), s);
            }
        }
        return byName;
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
