package dev.requant.plugins.bnb;

import dev.requant.spi.ElementType;
import java.util.Optional;

/** The torch dtype names bitsandbytes writes ("float16") and the element types they are. */
final class BnbDtypes {
    private BnbDtypes() {
    }

    /** A weight dtype a 4-bit quant_state may name. */
    static Optional<ElementType> fromTorch(String name) {
        return Optional.ofNullable(switch (name) {
            case "float16" -> ElementType.F16;
            case "bfloat16" -> ElementType.BF16;
            case "float32" -> ElementType.F32;
            default -> null;
        });
    }
}
