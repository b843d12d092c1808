package dev.requant.spi;

import java.util.List;
import java.util.Objects;

/**
 * One tensor of an output: what it is, the parts a writer stores for it, and the name each part is
 * stored under where a format stores parts by name (the tensor's own name for a single part).
 */
public record PlannedTensor(TensorInfo info, List<PartSpec> parts, List<String> partNames) {
    public PlannedTensor {
        Objects.requireNonNull(info, "info");
        parts = List.copyOf(parts);
        partNames = List.copyOf(partNames);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(info.name() + ": a planned tensor needs at least one part");
        }
        if (partNames.size() != parts.size()) {
            throw new IllegalArgumentException(info.name() + ": " + parts.size() + " parts but " + partNames.size()
                    + " part names");
        }
    }

    /** Parts named {@code NAME} (a single part) or {@code NAME.ROLE}. */
    public PlannedTensor(TensorInfo info, List<PartSpec> parts) {
        this(info, parts, defaultNames(info, parts));
    }

    private static List<String> defaultNames(TensorInfo info, List<PartSpec> parts) {
        if (parts.size() == 1) {
            return List.of(info.name());
        }
        return parts.stream().map(p -> info.name() + "." + p.role()).toList();
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
