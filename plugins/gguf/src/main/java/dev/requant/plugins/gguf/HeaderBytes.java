package dev.requant.plugins.gguf;

import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Serializes a GGUF header (version 3, little-endian) byte for byte as ggml's {@code gguf_write_out}
 * does: magic, version, counts, key/values, tensor infos, zero padding to the alignment.
 */
final class HeaderBytes {
    static final int VERSION = 3;

    private byte[] buf = new byte[1 << 12];
    private int size;

    /** One tensor-info record as written: {@code ne} holds exactly {@code n_dims} dimensions. */
    record TensorRecord(String name, long[] ne, int typeId, long offset) {
    }

    static byte[] of(Map<String, MetaValue> kvs, Iterable<TensorRecord> tensors, int tensorCount, int alignment) {
        HeaderBytes h = new HeaderBytes();
        h.bytes(GgufParser.MAGIC);
        h.u32(VERSION);
        h.u64(tensorCount);
        h.u64(kvs.size());
        kvs.forEach(h::keyValue);
        for (TensorRecord t : tensors) {
            h.string(t.name());
            h.u32(t.ne().length);
            for (long d : t.ne()) {
                h.u64(d);
            }
            h.u32(t.typeId());
            h.u64(t.offset());
        }
        while (h.size % alignment != 0) {
            h.u8(0);
        }
        return Arrays.copyOf(h.buf, h.size);
    }

    private void keyValue(String key, MetaValue value) {
        string(key);
        if (value instanceof MetaValue.Arr arr) {
            if (arr.elementType() == MetaType.ARRAY) {
                throw new IllegalArgumentException("metadata key '" + key
                        + "' holds an array of arrays, which ggml and llama.cpp cannot read");
            }
            u32(GgufValueType.ARRAY.code());
            u32(GgufValueType.of(arr.elementType()).code());
            u64(arr.items().size());
            for (MetaValue item : arr.items()) {
                scalar(key, item);
            }
        } else {
            u32(GgufValueType.of(value.type()).code());
            scalar(key, value);
        }
    }

    private void scalar(String key, MetaValue value) {
        switch (value) {
            case MetaValue.Int i -> integer(key, i);
            case MetaValue.Real r -> {
                if (r.type() == MetaType.F32) {
                    u32(Float.floatToRawIntBits((float) r.value()));
                } else {
                    u64(Double.doubleToRawLongBits(r.value()));
                }
            }
            case MetaValue.Bool b -> u8(b.value() ? 1 : 0);
            case MetaValue.Str s -> string(s.value());
            case MetaValue.Arr a -> throw new IllegalStateException("arrays are written by keyValue");
        }
    }

    /** Unsigned values up to 32 bits are held as their non-negative value; 64-bit ones as their bits. */
    private void integer(String key, MetaValue.Int i) {
        long v = i.value();
        long min;
        long max;
        switch (i.type()) {
            case U8 -> { min = 0; max = 0xFF; }
            case I8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
            case U16 -> { min = 0; max = 0xFFFF; }
            case I16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
            case U32 -> { min = 0; max = 0xFFFF_FFFFL; }
            case I32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
            default -> { min = Long.MIN_VALUE; max = Long.MAX_VALUE; }
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("metadata key '" + key + "': " + v + " does not fit a " + i.type());
        }
        switch (i.type()) {
            case U8, I8 -> u8((int) v);
            case U16, I16 -> {
                u8((int) v);
                u8((int) (v >>> 8));
            }
            case U32, I32 -> u32((int) v);
            default -> u64(v);
        }
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        bytes(b);
    }

    private void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    private void u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    private void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    private void ensure(int n) {
        if (buf.length - size < n) {
            long want = Math.max((long) buf.length * 2, (long) size + n);
            if (want > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the GGUF header would exceed 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }
}
