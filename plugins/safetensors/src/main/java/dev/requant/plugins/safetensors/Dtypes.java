package dev.requant.plugins.safetensors;

import dev.requant.spi.ElementType;
import java.util.List;
import java.util.Optional;

/**
 * The safetensors dtype strings and their order.
 *
 * <p>The order is the declaration order of the Rust crate's {@code Dtype} enum (smallest element
 * first). Its writer sorts tensors by that order, largest first, so our writer needs it to lay out
 * files the way safetensors does; it is spelled out here rather than taken from
 * {@link ElementType#ordinal()} so that a change to the spi's enum cannot change our output bytes.
 */
final class Dtypes {
    private static final List<ElementType> DECLARATION_ORDER = List.of(
            ElementType.BOOL,
            ElementType.F4,
            ElementType.F6_E2M3,
            ElementType.F6_E3M2,
            ElementType.U8,
            ElementType.I8,
            ElementType.F8_E5M2,
            ElementType.F8_E4M3,
            ElementType.F8_E8M0,
            ElementType.F8_E4M3FNUZ,
            ElementType.F8_E5M2FNUZ,
            ElementType.I16,
            ElementType.U16,
            ElementType.F16,
            ElementType.BF16,
            ElementType.I32,
            ElementType.U32,
            ElementType.F32,
            ElementType.C64,
            ElementType.F64,
            ElementType.I64,
            ElementType.U64);

    private Dtypes() {
    }

    /**
     * The element type of a dtype string (the constant names of {@link ElementType} are the dtype
     * strings); case matters, as in the Rust reader.
     */
    static Optional<ElementType> parse(String dtype) {
        for (ElementType t : DECLARATION_ORDER) {
            if (t.name().equals(dtype)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Position in the Rust declaration order; larger means written earlier. */
    static int rank(ElementType type) {
        int i = DECLARATION_ORDER.indexOf(type);
        if (i < 0) {
            throw new IllegalArgumentException(type + " has no safetensors dtype");
        }
        return i;
    }

    /** Every dtype, in declaration order. */
    static List<ElementType> all() {
        return DECLARATION_ORDER;
    }
}
