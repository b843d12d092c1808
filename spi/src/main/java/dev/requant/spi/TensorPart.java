package dev.requant.spi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A part's description and its bytes: a read-only view, usually of a memory-mapped file. */
public record TensorPart(PartSpec spec, MemorySegment data) {
    public TensorPart {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(data, "data");
        if (data.byteSize() != spec.byteSize()) {
            throw new IllegalArgumentException("part " + spec.role() + ": " + data.byteSize()
                    + " bytes given for " + spec.byteSize() + " expected");
        }
    }

    public String role() {
        return spec.role();
    }
}
