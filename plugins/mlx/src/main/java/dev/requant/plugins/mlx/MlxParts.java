package dev.requant.plugins.mlx;

/**
 * The stored parts of an MLX quantized module: their roles in a logical tensor and the suffixes of
 * their names in a checkpoint ({@code PREFIX.weight}, {@code PREFIX.scales}, {@code PREFIX.biases}).
 */
final class MlxParts {
    static final String WEIGHT = "weight";
    static final String SCALES = "scales";
    static final String BIASES = "biases";

    private MlxParts() {
    }
}
