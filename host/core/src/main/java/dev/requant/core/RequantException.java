package dev.requant.core;

/**
 * A failure the user can act on, reported as one line without a stack trace. The exit code tells
 * scripts what kind it is: 1 a failed run, 2 a usage or recipe error.
 */
public class RequantException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int BAD_INPUT = 3;

    private final int exitCode;

    public RequantException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public RequantException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
