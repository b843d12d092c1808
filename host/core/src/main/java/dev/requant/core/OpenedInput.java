package dev.requant.core;

import dev.requant.core.plan.AppliedTransform;
import dev.requant.spi.ModelSource;
import java.io.IOException;
import java.util.List;

/** A job's input, opened, and the transforms applied to it in order. Closing it closes the source. */
public record OpenedInput(ModelSource source, List<AppliedTransform> transforms) implements AutoCloseable {
    public OpenedInput {
        transforms = List.copyOf(transforms);
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
