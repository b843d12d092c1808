package dev.requant.core.exec;

import dev.requant.core.RequantException;
import java.util.List;

/** The recipe's {@code fail_if} held for some tensors; nothing was published. Exit code 1. */
public final class VerifyFailedException extends RequantException {
    private static final long serialVersionUID = 1L;

    public VerifyFailedException(String condition, List<String> tensors) {
        super(FAILURE, "verify failed (" + condition + ") for " + tensors.size() + " tensor(s), nothing was written:\n  "
                + String.join("\n  ", tensors));
    }
}
