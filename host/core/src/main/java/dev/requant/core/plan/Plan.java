package dev.requant.core.plan;

import dev.requant.spi.ModelSource;
import java.util.List;

/**
 * Every decision of a run, made before a byte is written: the (transformed) source, the
 * transforms that made it, and each output's entries.
 */
public record Plan(ModelSource source, List<AppliedTransform> transforms, List<PlannedOutput> outputs) {
    public Plan {
        transforms = List.copyOf(transforms);
        outputs = List.copyOf(outputs);
    }
}
