package org.example.requant.npy;

import dev.requant.spi.ElementType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The NumPy dtypes this plugin reads and writes: little-endian numbers and bool, each the same
 * bytes as one requant {@link ElementType}. A dtype is written in a {@code .npy} header as its
 * {@code descr}: a byte order ({@code <} little, {@code >} big, {@code |} not applicable), a kind
 * letter and the item size in bytes ({@code <f4}, {@code |u1}).
 */
enum NpyDtype {
    BOOL("b1", ElementType.BOOL),
    I8("i1", ElementType.I8),
    U8("u1", ElementType.U8),
    I16("i2", ElementType.I16),
    U16("u2", ElementType.U16),
    F16("f2", ElementType.F16),
    I32("i4", ElementType.I32),
    U32("u4", ElementType.U32),
    F32("f4", ElementType.F32),
    I64("i8", ElementType.I64),
    U64("u8", ElementType.U64),
    F64("f8", ElementType.F64);

    private final String code;
    private final ElementType elementType;

    NpyDtype(String code, ElementType elementType) {
        this.code = code;
        this.elementType = elementType;
    }

    ElementType elementType() {
        return elementType;
    }

    int itemSize() {
        return elementType.bits() / 8;
    }

    /** The descr numpy writes: {@code |} for one-byte types, whose byte order means nothing. */
    String descr() {
        return (itemSize() == 1 ? "|" : "<") + code;
    }

    /** The dtype that stores this element type, if numpy has one. */
    static Optional<NpyDtype> of(ElementType type) {
        return Arrays.stream(values()).filter(d -> d.elementType == type).findFirst();
    }

    /**
     * The dtype a descr names.
     *
     * @throws IllegalArgumentException saying why the descr is refused (big-endian, unknown)
     */
    static NpyDtype ofDescr(String descr) {
        if (descr.length() >= 2) {
            char order = descr.charAt(0);
            String code = descr.substring(1);
            for (NpyDtype d : values()) {
                if (!d.code.equals(code)) {
                    continue;
                }
                if (order == '<' || (d.itemSize() == 1 && (order == '|' || order == '>'))) {
                    return d;
                }
                if (order == '>') {
                    throw new IllegalArgumentException("dtype '" + descr + "' is big-endian; only little-endian arrays"
                            + " are read (in numpy: a.astype(a.dtype.newbyteorder('<')))");
                }
            }
        }
        throw new IllegalArgumentException("dtype '" + descr + "' is not supported; supported: " + supported());
    }

    /** The descrs this plugin reads and writes, for messages. */
    static String supported() {
        return Arrays.stream(values()).map(NpyDtype::descr).collect(Collectors.joining(" "));
    }
}
