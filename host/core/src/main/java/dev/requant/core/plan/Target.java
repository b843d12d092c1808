package dev.requant.core.plan;

import dev.requant.core.recipe.Location;
import dev.requant.spi.TensorType;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A size to meet instead of a type: the types of the weight matrices no rule decides are chosen
 * from {@code types} so that the output stays within {@code bitsPerWeight} (over all its values)
 * or {@code bytes} of tensor data.
 */
public record Target(OptionalDouble bitsPerWeight, OptionalLong bytes, List<TensorType> types, Location at) {
    public Target {
        types = List.copyOf(types);
        if (bitsPerWeight.isPresent() == bytes.isPresent()) {
            throw new IllegalArgumentException("a target is either bits per weight or a size");
        }
    }

    /** The most bytes the output may take, given how many values it holds. */
    long budget(long values) {
        return bytes.isPresent() ? bytes.getAsLong() : (long) Math.floor(bitsPerWeight.getAsDouble() * values / 8);
    }

    @Override
    public String toString() {
        return bytes.isPresent() ? "target_size " + bytes.getAsLong() + " bytes"
                : String.format(Locale.ROOT, "target_bpw %.3g", bitsPerWeight.getAsDouble());
    }
}
