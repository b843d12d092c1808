package dev.requant.plugins.support;

import dev.requant.spi.Detection;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safetensors container a quantized-checkpoint reader reads its files through (the host's
 * safetensors reader, via {@link ReaderContext}): opened to detect a layout, or opened for good
 * and closed again when what is built on it fails.
 */
public final class SafetensorsContainer {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsContainer.class);
    public static final String READER = "safetensors";

    /** Whether a container holds the reader's layout. */
    @FunctionalInterface
    public interface Test {
        boolean holds(ModelSource container) throws IOException;
    }

    /** The reader's model on top of an open container. */
    @FunctionalInterface
    public interface Builder {
        ModelSource build(ModelSource container) throws IOException;
    }

    private SafetensorsContainer() {
    }

    /** {@code LAYOUT} when the test holds; {@code NONE} when not, or when the path is no readable container. */
    public static Detection detect(Path path, ReaderContext context, Test test) {
        try (ModelSource container = context.open(READER, path)) {
            try {
                return test.holds(container) ? Detection.LAYOUT : Detection.NONE;
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: taken as not this layout, as looking for it failed: {}", path, e.toString(), e);
                return Detection.NONE;
            }
        } catch (IOException | RuntimeException e) {
            // no safetensors container: the safetensors reader's own detection says so
            return Detection.NONE;
        }
    }

    /** The model built on the container at {@code path}; the container is closed when building fails. */
    public static ModelSource open(Path path, ReaderContext context, Builder builder) throws IOException {
        ModelSource container = context.open(READER, path);
        try {
            ModelSource model = builder.build(container);
            if (LOG.isDebugEnabled()) {
                Map<String, Long> types = model.tensors().stream().collect(Collectors.groupingBy(
                        t -> t.info().type().id(), LinkedHashMap::new, Collectors.counting()));
                LOG.debug("{}: reader {} grouped {} stored tensors into {}: {}", path, model.format(),
                        container.tensors().size(), model.tensors().size(), types.entrySet().stream()
                                .map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")));
            }
            return model;
        } catch (IOException | RuntimeException e) {
            container.close();
            throw e;
        }
    }
}
