package dev.requant.core.plan;

import dev.requant.core.recipe.Location;
import dev.requant.spi.TensorType;
import java.util.List;
import java.util.Optional;

/**
 * The checked quantization of one output: rules in order (a recipe's own first, then its
 * preset's), the default type for quantizable tensors and where it was set, or instead a size
 * target that chooses their types, the fallback chain (empty Optional: the default chain; empty
 * list: refuse), and the name the output is known by.
 */
public record Quantization(List<Rule> rules,
                           Optional<TensorType> defaultType,
                           Optional<Location> defaultAt,
                           Optional<Target> target,
                           Optional<List<TensorType>> fallback,
                           Optional<String> label) {

    /** No rules, no default: every tensor keeps its type. */
    public static Quantization none() {
        return new Quantization(List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }
}
