package dev.requant.spi;

import java.util.List;
import java.util.Objects;

/** A typed metadata value (GGUF key/value semantics). */
public sealed interface MetaValue {
    MetaType type();

    /**
     * An integer. {@code value} holds the bits: a U64 above {@link Long#MAX_VALUE} is negative here
     * (read it with {@link Long#toUnsignedString(long)}).
     */
    record Int(MetaType type, long value) implements MetaValue {
        public Int {
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
        }
    }

    /** An F32 or F64 value. */
    record Real(MetaType type, double value) implements MetaValue {
        public Real {
            if (!type.isReal()) {
                throw new IllegalArgumentException(type + " is not a real type");
            }
        }
    }

    record Bool(boolean value) implements MetaValue {
        @Override
        public MetaType type() {
            return MetaType.BOOL;
        }
    }

    record Str(String value) implements MetaValue {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public MetaType type() {
            return MetaType.STRING;
        }
    }

    /** An array; every item has {@code elementType}, which may itself be {@link MetaType#ARRAY}. */
    record Arr(MetaType elementType, List<MetaValue> items) implements MetaValue {
        public Arr {
            items = List.copyOf(items);
            for (MetaValue v : items) {
                if (v.type() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " holds a " + v.type());
                }
            }
        }

        @Override
        public MetaType type() {
            return MetaType.ARRAY;
        }
    }

    static MetaValue u32(long v) {
        return new Int(MetaType.U32, v);
    }

    static MetaValue i32(long v) {
        return new Int(MetaType.I32, v);
    }

    static MetaValue u64(long v) {
        return new Int(MetaType.U64, v);
    }

    static MetaValue f32(double v) {
        return new Real(MetaType.F32, v);
    }

    static MetaValue str(String v) {
        return new Str(v);
    }

    static MetaValue bool(boolean v) {
        return new Bool(v);
    }

    static MetaValue strings(List<String> values) {
        return new Arr(MetaType.STRING, values.stream().map(s -> (MetaValue) new Str(s)).toList());
    }
}
