package dev.requant.core.types;

import dev.requant.core.plugin.Registry;
import dev.requant.spi.ComputedTensor;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.util.List;
import java.util.Optional;

/** Finds the codec of a tensor type: the kernels for float element types, plugins for encodings. */
public final class Codecs {
    private final Registry registry;

    public Codecs(Registry registry) {
        this.registry = registry;
    }

    /** The codec of a type, if the host or a plugin handles it. */
    public Optional<TypeCodec> of(TensorType type) {
        return switch (type) {
            case ElementType e -> ElementCodec.of(e);
            case Encoding e -> registry.scheme(e.scheme()).map(s -> new SchemeCodec(s, e));
        };
    }

    /**
     * The type in its complete form: a scheme's parameters validated and defaults filled in.
     *
     * @throws IllegalArgumentException when no plugin provides the scheme or a parameter is wrong
     */
    public TensorType normalize(TensorType type) {
        if (type instanceof Encoding e) {
            var scheme = registry.scheme(e.scheme()).orElseThrow(() -> new IllegalArgumentException(
                    "no plugin provides the scheme '" + e.scheme() + "' (see `requant plugins`)"));
            return scheme.encoding(e.params());
        }
        return type;
    }

    /** True when the values of this tensor can be turned into f32. */
    public boolean canDecode(SourceTensor tensor) {
        return tensor instanceof ComputedTensor || of(tensor.info().type()).isPresent();
    }

    /** Decodes rows of any decodable tensor to f32. */
    public void decode(SourceTensor tensor, long firstRow, int rows, float[] dst, int dstOffset) {
        switch (tensor) {
            case ComputedTensor c -> c.rows(firstRow, rows, dst, dstOffset);
            case StoredTensor s -> of(s.info().type())
                    .orElseThrow(() -> new IllegalStateException("no decoder for " + s.info().type().id()))
                    .decode(s, firstRow, rows, dst, dstOffset);
        }
    }

    /** The names a tensor's parts are stored under: its scheme's checkpoint names, or the plain ones. */
    public List<String> partNames(TensorInfo tensor, List<PartSpec> parts) {
        return of(tensor.type()).flatMap(TypeCodec::checkpointLayout).map(l -> l.partNames(tensor))
                .orElseGet(() -> new PlannedTensor(tensor, parts).partNames());
    }
}
