package dev.requant.core.recipe;

import dev.requant.core.RequantException;

/** A recipe that cannot be used: {@code recipe.yaml:12:5: what is wrong}. Exit code 2. */
public final class RecipeException extends RequantException {
    private static final long serialVersionUID = 1L;

    private final transient Location at;

    public RecipeException(Location at, String problem) {
        super(USAGE, at + ": " + problem);
        this.at = at;
    }

    public Location at() {
        return at;
    }
}
