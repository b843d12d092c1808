package dev.requant.core.plan;

import dev.requant.spi.ModelSource;
import java.util.List;

/** Every decision of a run, made before a byte is written: the source and each output's entries. */
public record Plan(ModelSource source, List<PlannedOutput> outputs) {
}
