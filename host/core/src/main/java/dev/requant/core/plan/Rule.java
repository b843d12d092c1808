package dev.requant.core.plan;

import dev.requant.core.recipe.Location;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.util.Optional;

/**
 * A checked quantization rule: tensors whose name matches, and for which the condition holds when
 * there is one, get {@code type}, or keep their own type when it is empty.
 */
public record Rule(NameMatcher match, Optional<Condition> when, Optional<TensorType> type, Location at) {

    /** @throws IllegalArgumentException when the condition cannot be evaluated for this tensor */
    public boolean applies(TensorInfo tensor, TensorFacts facts) {
        return match.matches(tensor.name()) && (when.isEmpty() || when.get().holds(facts.of(tensor)));
    }

    /** How the plan names the rule: {@code rule '*attn_v.weight' if i < 2 (q3_k_m.yaml:9:5)}. */
    public String describe() {
        return "rule '" + match + "'" + when.map(c -> " if " + c).orElse("") + " (" + at + ")";
    }
}
