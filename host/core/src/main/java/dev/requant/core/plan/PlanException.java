package dev.requant.core.plan;

import dev.requant.core.RequantException;
import java.util.List;

/** Planning found tensors that cannot be converted as asked; every one is listed. Exit code 2. */
public final class PlanException extends RequantException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public PlanException(String headline, List<String> problems) {
        super(USAGE, headline + ":\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
