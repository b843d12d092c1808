package dev.requant.plugins.bnb;

import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.util.Optional;

/** Looking up and describing the parts of a stored tensor. */
final class Parts {
    private Parts() {
    }

    static Optional<TensorPart> find(StoredTensor t, String role) {
        return t.parts().stream().filter(p -> p.role().equals(role)).findFirst();
    }

    /** {@code U8 [160]}. */
    static String describe(TensorPart p) {
        return p.spec().dtype().name() + " " + p.spec().shape();
    }
}
