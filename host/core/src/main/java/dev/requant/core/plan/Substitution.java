package dev.requant.core.plan;

import dev.requant.spi.TensorType;

/** A type the planner could not use for a tensor, and why: one step of a fallback. */
public record Substitution(TensorType refused, String reason) {
    @Override
    public String toString() {
        return refused.id() + ": " + reason;
    }
}
