package dev.requant.core.types;

import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import dev.requant.spi.Transcoder;
import java.util.List;
import java.util.Optional;

/** A plugin's {@link QuantScheme} for one encoding. */
final class SchemeCodec implements TypeCodec {
    private final QuantScheme scheme;
    private final Encoding encoding;

    SchemeCodec(QuantScheme scheme, Encoding encoding) {
        this.scheme = scheme;
        this.encoding = encoding;
    }

    @Override
    public TensorType type() {
        return encoding;
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return scheme.fit(tensor);
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        return scheme.layout(tensor);
    }

    @Override
    public int rowAlignment(TensorInfo tensor) {
        return scheme.rowAlignment(tensor);
    }

    @Override
    public Optional<TensorType> fallback() {
        return scheme.fallback(encoding);
    }

    @Override
    public boolean canEncode() {
        return scheme.canEncode(encoding);
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        scheme.decode(source, firstRow, rows, dst, dstOffset);
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return scheme.checkpointLayout();
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        return scheme.encoder(tensor);
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        return scheme.transcoder(source, target);
    }
}
