package dev.requant.spi;

import java.io.IOException;
import java.util.List;

/**
 * An opened model: its metadata and its logical tensors. Tensor bytes stay valid until
 * {@link #close()}.
 */
public interface ModelSource extends AutoCloseable {
    /** The id of the reader (or transform chain) that produced it, shown by {@code inspect}. */
    String format();

    Metadata metadata();

    /** The logical tensors in the order the source stores them. */
    List<SourceTensor> tensors();

    @Override
    void close() throws IOException;
}
