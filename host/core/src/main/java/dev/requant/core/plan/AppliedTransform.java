package dev.requant.core.plan;

import dev.requant.spi.TensorTransform;

/**
 * A transform applied to the input before planning: named by the recipe, or applied by the host
 * because it {@link TensorTransform#appliesTo applies by itself} to this input and these outputs.
 */
public record AppliedTransform(TensorTransform transform, boolean automatic) {
}
