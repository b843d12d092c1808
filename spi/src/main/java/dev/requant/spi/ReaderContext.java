package dev.requant.spi;

import java.io.IOException;
import java.nio.file.Path;

/** What the host offers a reader while it opens a model. */
public interface ReaderContext {
    /**
     * Opens a path with another registered reader, for readers of layouts that live inside a
     * container another plugin reads (GPTQ tensors in safetensors files). The caller closes it.
     *
     * @throws IOException also when no reader has that id
     */
    ModelSource open(String readerId, Path path) throws IOException;
}
