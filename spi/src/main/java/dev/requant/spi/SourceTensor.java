package dev.requant.spi;

/**
 * A logical tensor offered by a {@link ModelSource}: either bytes as stored in a file
 * ({@link StoredTensor}) or values computed on demand ({@link ComputedTensor}, e.g. produced by a
 * transform). Users, recipes and {@code inspect} only ever see logical tensors.
 */
public sealed interface SourceTensor permits StoredTensor, ComputedTensor {
    TensorInfo info();

    default String name() {
        return info().name();
    }
}
