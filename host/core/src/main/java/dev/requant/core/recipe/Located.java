package dev.requant.core.recipe;

import java.util.Objects;

/** A recipe value and where it was written, so that a later check can point at it. */
public record Located<T>(T value, Location at) {
    public Located {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(at, "at");
    }

    /** A recipe error at this value. */
    public RecipeException error(String message) {
        return new RecipeException(at, message);
    }
}
