package dev.requant.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An input file is malformed or inconsistent. The message always starts with the file, then the
 * byte offset or the tensor when known: {@code model.gguf: offset 24: key length 9e18 exceeds the
 * file}. The host reports it as one line and exits with code 3.
 */
public class BadInputException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String tensor;
    private final String problem;

    private BadInputException(Path file, long offset, String tensor, String problem, Throwable cause) {
        super(format(file, offset, tensor, problem), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.offset = offset;
        this.tensor = tensor;
        this.problem = problem;
    }

    /** A problem at a byte offset of a file. */
    public static BadInputException at(Path file, long offset, String problem) {
        return new BadInputException(file, offset, null, problem, null);
    }

    /** A problem with one tensor of a file (shapes or parts that do not agree). */
    public static BadInputException inTensor(Path file, String tensor, String problem) {
        return new BadInputException(file, -1, tensor, problem, null);
    }

    /** A problem with a file as a whole. */
    public static BadInputException of(Path file, String problem) {
        return new BadInputException(file, -1, null, problem, null);
    }

    /** A problem with a file as a whole, caused by a lower-level failure. */
    public static BadInputException of(Path file, String problem, Throwable cause) {
        return new BadInputException(file, -1, null, problem, cause);
    }

    public Path file() {
        return file;
    }

    public OptionalLong offset() {
        return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    /** The tensor concerned, or null. */
    public String tensor() {
        return tensor;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }

    private static String format(Path file, long offset, String tensor, String problem) {
        StringBuilder b = new StringBuilder().append(file);
        if (offset >= 0) {
            b.append(": offset ").append(offset);
        }
        if (tensor != null) {
            b.append(": tensor ").append(tensor);
        }
        return b.append(": ").append(problem).toString();
    }
}
