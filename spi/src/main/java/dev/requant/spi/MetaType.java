package dev.requant.spi;

/** The value types of metadata, the same set GGUF defines. */
public enum MetaType {
    U8, I8, U16, I16, U32, I32, U64, I64, F32, F64, BOOL, STRING, ARRAY;

    /** True for the integer types. */
    public boolean isInteger() {
        return switch (this) {
            case U8, I8, U16, I16, U32, I32, U64, I64 -> true;
            default -> false;
        };
    }

    /** True for F32 and F64. */
    public boolean isReal() {
        return this == F32 || this == F64;
    }
}
