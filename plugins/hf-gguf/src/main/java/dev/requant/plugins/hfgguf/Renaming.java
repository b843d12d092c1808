package dev.requant.plugins.hfgguf;

import dev.requant.spi.ComputedTensor;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TransformContext;

/** A tensor under a new name: the same bytes for a stored one, the same values for a computed one. */
final class Renaming {
    private Renaming() {
    }

    static SourceTensor rename(SourceTensor t, String name, TransformContext context) {
        return switch (t) {
            case StoredTensor s -> new StoredTensor(s.info().withName(name), s.parts());
            case ComputedTensor c -> new Decoded(c.info().withName(name), c, context);
        };
    }
}
