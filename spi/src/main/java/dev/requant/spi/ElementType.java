package dev.requant.spi;

import java.util.Locale;
import java.util.Optional;

/**
 * A plain element type: every element stored on its own, no shared scales.
 *
 * <p>The constant names are the safetensors dtype strings; {@link #id()} is the lower-case name
 * used in recipes ({@code f16}, {@code bf16}, {@code f8_e4m3}, ...). Sub-byte types ({@link #F4},
 * {@link #F6_E2M3}, {@link #F6_E3M2}) and the MX scale type {@link #F8_E8M0} are carried as opaque
 * bytes: the host copies them but does not compute with them.
 */
public enum ElementType implements TensorType {
    BOOL(8, Kind.BOOL),
    F4(4, Kind.OPAQUE),
    F6_E2M3(6, Kind.OPAQUE),
    F6_E3M2(6, Kind.OPAQUE),
    U8(8, Kind.UNSIGNED),
    I8(8, Kind.SIGNED),
    F8_E5M2(8, Kind.FLOAT),
    F8_E4M3(8, Kind.FLOAT),
    F8_E8M0(8, Kind.OPAQUE),
    F8_E4M3FNUZ(8, Kind.OPAQUE),
    F8_E5M2FNUZ(8, Kind.OPAQUE),
    I16(16, Kind.SIGNED),
    U16(16, Kind.UNSIGNED),
    F16(16, Kind.FLOAT),
    BF16(16, Kind.FLOAT),
    I32(32, Kind.SIGNED),
    U32(32, Kind.UNSIGNED),
    F32(32, Kind.FLOAT),
    C64(64, Kind.OPAQUE),
    F64(64, Kind.FLOAT),
    I64(64, Kind.SIGNED),
    U64(64, Kind.UNSIGNED);

    /** How the host may treat the values of an element type. */
    public enum Kind {
        /** Real numbers the host converts to and from f32. */
        FLOAT,
        SIGNED,
        UNSIGNED,
        BOOL,
        /** Bytes the host copies but never interprets. */
        OPAQUE
    }

    private final int bits;
    private final Kind kind;

    ElementType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    /** Bits per element. */
    public int bits() {
        return bits;
    }

    public Kind kind() {
        return kind;
    }

    /** True when the host can turn these values into f32 and back (weights, scales). */
    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    @Override
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean isQuantized() {
        return false;
    }

    /** Bytes taken by {@code count} elements; fails when they do not fill whole bytes. */
    public long bytesFor(long count) {
        long totalBits = Math.multiplyExact(count, (long) bits);
        if (totalBits % 8 != 0) {
            throw new IllegalArgumentException(count + " elements of " + id() + " do not fill whole bytes");
        }
        return totalBits / 8;
    }

    /** The element type with this id or safetensors name, ignoring case. */
    public static Optional<ElementType> byId(String id) {
        String upper = id.toUpperCase(Locale.ROOT);
        for (ElementType t : values()) {
            if (t.name().equals(upper)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return id();
    }
}
