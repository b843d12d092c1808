package dev.requant.core.plan;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Whether a tensor's output decodes to exactly the values its source decodes to: copies, exact
 * repacks and f32 results do; anything else is lossy, with a bound on the error when the
 * conversion knows one before running (measured errors come from {@code verify}).
 */
public record Fidelity(boolean exact, OptionalDouble maxError) {
    public static final Fidelity EXACT = new Fidelity(true, OptionalDouble.of(0));
    public static final Fidelity LOSSY = new Fidelity(false, OptionalDouble.empty());

    public static Fidelity lossyWithin(double maxError) {
        return new Fidelity(false, OptionalDouble.of(maxError));
    }

    @Override
    public String toString() {
        if (exact) {
            return "exact";
        }
        return maxError.isPresent() ? String.format(Locale.ROOT, "lossy (max error %.3g)", maxError.getAsDouble())
                : "lossy";
    }
}
