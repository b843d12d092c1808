package dev.requant.plugins.gguf;

import dev.requant.spi.MetaType;
import java.util.Optional;

/** The GGUF key/value type codes ({@code gguf_type}) and the spi metadata type each one carries. */
enum GgufValueType {
    U8(0, MetaType.U8, 1),
    I8(1, MetaType.I8, 1),
    U16(2, MetaType.U16, 2),
    I16(3, MetaType.I16, 2),
    U32(4, MetaType.U32, 4),
    I32(5, MetaType.I32, 4),
    F32(6, MetaType.F32, 4),
    BOOL(7, MetaType.BOOL, 1),
    STRING(8, MetaType.STRING, 8),
    ARRAY(9, MetaType.ARRAY, 12),
    U64(10, MetaType.U64, 8),
    I64(11, MetaType.I64, 8),
    F64(12, MetaType.F64, 8);

    private final int code;
    private final MetaType metaType;
    private final int minBytes;

    GgufValueType(int code, MetaType metaType, int minBytes) {
        this.code = code;
        this.metaType = metaType;
        this.minBytes = minBytes;
    }

    int code() {
        return code;
    }

    MetaType metaType() {
        return metaType;
    }

    /** The fewest bytes one value of this type takes in a file (an empty string, an empty array). */
    int minBytes() {
        return minBytes;
    }

    static Optional<GgufValueType> byCode(int code) {
        for (GgufValueType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    static GgufValueType of(MetaType type) {
        for (GgufValueType t : values()) {
            if (t.metaType == type) {
                return t;
            }
        }
        throw new IllegalArgumentException("no GGUF type for " + type);
    }
}
