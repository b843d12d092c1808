package dev.requant.spi;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A tensor whose bytes exist in a file, in the encoding {@code info().type()}: one part for plain
 * and block-quantized types, several for layouts such as GPTQ.
 */
public record StoredTensor(TensorInfo info, List<TensorPart> parts) implements SourceTensor {
    public StoredTensor {
        Objects.requireNonNull(info, "info");
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(info.name() + ": a stored tensor needs at least one part");
        }
    }

    /** A single-part tensor. */
    public static StoredTensor of(TensorInfo info, TensorPart data) {
        return new StoredTensor(info, List.of(data));
    }

    /** The part with this role. */
    public TensorPart part(String role) {
        for (TensorPart p : parts) {
            if (p.role().equals(role)) {
                return p;
            }
        }
        throw new NoSuchElementException(info.name() + " has no part '" + role + "'");
    }

    /** Bytes on disk, all parts together. */
    public long byteSize() {
        long n = 0;
        for (TensorPart p : parts) {
            n += p.spec().byteSize();
        }
        return n;
    }
}
