package dev.requant.plugins.compressedtensors;

import dev.requant.spi.ElementType;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The stored parts of a compressed-tensors Linear: their roles in a logical tensor, the suffixes of
 * their names in a checkpoint ({@code PREFIX.weight_packed}, ...), and which of them an encoding
 * stores, in which shapes.
 */
final class CompressedTensorsParts {
    static final String PACKED = "weight_packed";
    static final String CODES = "weight";
    static final String SCALE = "weight_scale";
    static final String ZERO_POINT = "weight_zero_point";
    static final String SHAPE = "weight_shape";
    static final String G_IDX = "weight_g_idx";

    private CompressedTensorsParts() {
    }

    /** The parts a tensor {@code [out, in]} stores with these parameters, in llm-compressor's order. */
    static List<PartSpec> of(CompressedTensorsParams p, long out, long in) {
        boolean perTensor = p.strategy() == CompressedTensorsParams.Strategy.TENSOR;
        Shape scale = perTensor ? Shape.of(1) : Shape.of(out, p.groups(in));
        PartSpec.Rows scaleRows = perTensor ? PartSpec.Rows.NONE : PartSpec.Rows.FIRST;
        List<PartSpec> parts = new ArrayList<>();
        if (p.format().packed()) {
            parts.add(new PartSpec(PACKED, ElementType.I32, Shape.of(out, (in + p.perWord() - 1) / p.perWord())));
        } else {
            parts.add(new PartSpec(CODES, ElementType.I8, Shape.of(out, in)));
        }
        parts.add(new PartSpec(SCALE, p.scales(), scale, scaleRows));
        if (!p.sym()) {
            long wordRows = (out + p.perWord() - 1) / p.perWord();
            parts.add(p.format().packed() && !perTensor
                    ? new PartSpec(ZERO_POINT, ElementType.I32, Shape.of(wordRows, p.groups(in)))
                    : new PartSpec(ZERO_POINT, ElementType.I8, scale, scaleRows));
        }
        if (p.format().packed()) {
            parts.add(new PartSpec(SHAPE, ElementType.I64, Shape.of(2), PartSpec.Rows.NONE));
        }
        return List.copyOf(parts);
    }

    /** The part of {@code t} with this role, if it has one (zero points and g_idx are optional). */
    static Optional<TensorPart> find(StoredTensor t, String role) {
        return t.parts().stream().filter(p -> p.role().equals(role)).findFirst();
    }
}
