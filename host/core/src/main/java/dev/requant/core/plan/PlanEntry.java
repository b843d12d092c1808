package dev.requant.core.plan;

import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.util.List;

/**
 * One tensor of one output: its source, the tensor written, the parts stored (and their names in
 * formats that store parts by name), what is done and how
 * faithfully, why this type was chosen, and the types refused on the way (a fallback when not
 * empty).
 */
public record PlanEntry(SourceTensor source, TensorInfo target, List<PartSpec> parts, List<String> partNames,
                        Action action, Fidelity fidelity, String why, List<Substitution> refused) {

    public long byteSize() {
        return parts.stream().mapToLong(PartSpec::byteSize).sum();
    }

    public boolean fellBack() {
        return !refused.isEmpty();
    }
}
