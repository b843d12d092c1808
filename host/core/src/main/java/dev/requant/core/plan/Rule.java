package dev.requant.core.plan;

import dev.requant.core.recipe.Location;
import dev.requant.spi.TensorType;
import java.util.Optional;

/**
 * A checked quantization rule: tensors whose name matches get {@code type}, or keep their own
 * type when it is empty.
 */
public record Rule(NameMatcher match, Optional<TensorType> type, Location at) {
    /** How the plan names the rule: {@code rule '*norm*' (recipe.yaml:9:7)}. */
    public String describe() {
        return "rule '" + match + "' (" + at + ")";
    }
}
