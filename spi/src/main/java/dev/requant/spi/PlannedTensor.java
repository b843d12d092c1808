package dev.requant.spi;

import java.util.List;
import java.util.Objects;

/** One tensor of an output: what it is and the parts a writer stores for it. */
public record PlannedTensor(TensorInfo info, List<PartSpec> parts) {
    public PlannedTensor {
        Objects.requireNonNull(info, "info");
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(info.name() + ": a planned tensor needs at least one part");
        }
    }

    /** Bytes of all parts together. */
    public long byteSize() {
        long n = 0;
        for (PartSpec p : parts) {
            n += p.byteSize();
        }
        return n;
    }
}
