package dev.requant.core.job;

import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.SampleSpec;
import dev.requant.spi.FormatReader;
import java.nio.file.Path;
import java.util.Optional;

/** A checked recipe input. */
public sealed interface InputRef {
    /** A file or folder; {@code reader} empty means: detect the format. */
    record File(Path path, Optional<FormatReader> reader, Location at) implements InputRef {
    }

    /** A generated sample model. */
    record Sample(SampleSpec spec) implements InputRef {
    }
}
