package dev.requant.core.plan;

import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.Metadata;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PlannedTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One output of a plan: where, which writer, with which options, every tensor's entry, and notes
 * for the user about choices the plan made that they may not expect.
 */
public record PlannedOutput(Path path, FormatWriter writer, Map<String, String> options, Metadata metadata,
                            Optional<String> quantization, Optional<CheckpointConfig> checkpoint,
                            List<PlanEntry> entries, List<String> notes) {

    /** What the writer is told before any data. */
    public OutputPlan toOutputPlan() {
        return new OutputPlan(metadata,
                entries.stream().map(e -> new PlannedTensor(e.target(), e.parts(), e.partNames())).toList(),
                quantization, checkpoint);
    }

    public long dataBytes() {
        return entries.stream().mapToLong(PlanEntry::byteSize).sum();
    }

    public long fallbacks() {
        return entries.stream().filter(PlanEntry::fellBack).count();
    }
}
