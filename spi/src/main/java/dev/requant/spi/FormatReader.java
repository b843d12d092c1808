package dev.requant.spi;

import java.io.IOException;
import java.nio.file.Path;
import org.pf4j.ExtensionPoint;

/** Reads a model format: a file or a directory. */
public interface FormatReader extends ExtensionPoint {
    /** Unique id, used in recipes ({@code input: {format: ID}}). */
    String id();

    /** One line for {@code requant plugins}. */
    String description();

    /**
     * Recognises the format by content (magic bytes, header, layout), never by file name alone.
     * Must be cheap and must not throw on files of other formats: answer {@link Detection#NONE}.
     * Readers of a layout inside another plugin's container override
     * {@link #detect(Path, ReaderContext)} instead.
     */
    default Detection detect(Path path) throws IOException {
        return Detection.NONE;
    }

    /**
     * As {@link #detect(Path)}, with the host's help: a reader of a layout inside a container
     * (GPTQ tensors in safetensors files) opens the container with the container's reader to look
     * at its tensors and side files. The host calls this method.
     */
    default Detection detect(Path path, ReaderContext context) throws IOException {
        return detect(path);
    }

    /**
     * Opens the model. Tensor bytes are mapped, not read; every inconsistency is reported as a
     * {@link BadInputException} before any tensor is handed out.
     */
    ModelSource open(Path path, ReaderContext context) throws IOException;
}
