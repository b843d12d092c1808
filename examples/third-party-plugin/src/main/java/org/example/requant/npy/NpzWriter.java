package org.example.requant.npy;

import dev.requant.spi.ElementType;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSink;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.pf4j.Extension;

/**
 * Writes an {@code .npz} archive that {@code numpy.load} opens: one STORED {@code NAME.npy} member
 * per tensor, named after the tensor as numpy names them (any character kept, {@code /} included).
 * Metadata has no place in the format and is dropped. See {@link NpzLayout} for the bytes.
 */
@Extension
public final class NpzWriter implements FormatWriter {
    private static final String SUFFIX = ".npz";

    @Override
    public String id() {
        return NpzReader.ID;
    }

    @Override
    public String description() {
        return "NumPy .npz archive (as numpy.savez writes it: one uncompressed NAME.npy per tensor)";
    }

    @Override
    public boolean accepts(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(SUFFIX);
    }

    @Override
    public boolean canStore(TensorType type) {
        return type instanceof ElementType e && NpyDtype.of(e).isPresent();
    }

    @Override
    public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) throws IOException {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + options.keySet() + "; npz takes none");
        }
        return NpzSink.create(path, NpzLayout.of(plan));
    }

    /** The element types numpy can hold, for messages. */
    static String storable() {
        return Arrays.stream(NpyDtype.values()).map(d -> d.elementType().id()).collect(Collectors.joining(" "));
    }
}
