package dev.requant.plugins.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Builds GGUF bytes for tests, written here from the format description and independent of the
 * writer under test. {@link #build()} lays the file out canonically and records where each field
 * went ({@link #mark}), so a test can damage exactly one field with {@link #patch}.
 */
final class TestGguf {
    static final int U8 = 0;
    static final int I8 = 1;
    static final int U16 = 2;
    static final int I16 = 3;
    static final int U32 = 4;
    static final int I32 = 5;
    static final int F32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int U64 = 10;
    static final int I64 = 11;
    static final int F64 = 12;

    private record Kv(String key, int type, Consumer<Out> value) {
    }

    private record Tensor(String name, int type, byte[] data, long[] ne) {
    }

    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Map<String, Integer> marks = new HashMap<>();
    private int version = 3;
    private int alignment = 32;
    private boolean trailingPadding = true;

    TestGguf version(int v) {
        version = v;
        return this;
    }

    /** The alignment used for the layout; add a {@code general.alignment} KV to declare it. */
    TestGguf alignment(int a) {
        alignment = a;
        return this;
    }

    TestGguf noTrailingPadding() {
        trailingPadding = false;
        return this;
    }

    TestGguf kv(String key, int type, Consumer<Out> value) {
        kvs.add(new Kv(key, type, value));
        return this;
    }

    TestGguf u32(String key, long v) {
        return kv(key, U32, o -> o.u32(v));
    }

    TestGguf str(String key, String v) {
        return kv(key, STRING, o -> o.str(v));
    }

    TestGguf tensor(String name, int ggmlType, byte[] data, long... ne) {
        tensors.add(new Tensor(name, ggmlType, data, ne));
        return this;
    }

    /** An F32 tensor of random values. */
    TestGguf f32(String name, long seed, long... ne) {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return tensor(name, 0, random(n * 4, seed), ne);
    }

    static byte[] random(long n, long seed) {
        byte[] b = new byte[(int) n];
        new Random(seed).nextBytes(b);
        return b;
    }

    byte[] build() {
        Out o = new Out();
        o.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        marks.put("version", o.size());
        o.u32(version);
        marks.put("tensor_count", o.size());
        o.u64(tensors.size());
        marks.put("kv_count", o.size());
        o.u64(kvs.size());
        for (Kv kv : kvs) {
            marks.put("kv:" + kv.key(), o.size());
            o.str(kv.key());
            marks.put("kvtype:" + kv.key(), o.size());
            o.u32(kv.type());
            marks.put("kvvalue:" + kv.key(), o.size());
            kv.value().accept(o);
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Tensor t : tensors) {
            marks.put("tensor:" + t.name(), o.size());
            o.str(t.name());
            marks.put("ndims:" + t.name(), o.size());
            o.u32(t.ne().length);
            for (long d : t.ne()) {
                o.u64(d);
            }
            marks.put("type:" + t.name(), o.size());
            o.u32(t.type());
            marks.put("offset:" + t.name(), o.size());
            o.u64(offset);
            offsets.add(offset);
            offset += pad(t.data().length);
        }
        o.padTo(alignment);
        marks.put("data", o.size());
        for (int i = 0; i < tensors.size(); i++) {
            o.raw(tensors.get(i).data());
            if (trailingPadding || i < tensors.size() - 1) {
                o.padTo(alignment);
            }
        }
        return o.bytes();
    }

    private long pad(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /** Where {@link #build()} puts a field (building if needed): version, tensor_count, kv_count, kv:K, kvtype:K, kvvalue:K, tensor:N, ndims:N, type:N, offset:N, data. */
    int mark(String name) {
        if (marks.isEmpty()) {
            build();
        }
        Integer at = marks.get(name);
        if (at == null) {
            throw new IllegalArgumentException("no mark " + name);
        }
        return at;
    }

    /** Overwrites little-endian {@code width} bytes at {@code at}. */
    static byte[] patch(byte[] file, int at, int width, long value) {
        byte[] copy = file.clone();
        for (int i = 0; i < width; i++) {
            copy[at + i] = (byte) (value >>> (8 * i));
        }
        return copy;
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** A little-endian byte sink. */
    static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        int size() {
            return b.size();
        }

        Out raw(byte[] bytes) {
            b.writeBytes(bytes);
            return this;
        }

        Out u8(int v) {
            b.write(v);
            return this;
        }

        Out u16(int v) {
            return u8(v).u8(v >>> 8);
        }

        Out u32(long v) {
            for (int i = 0; i < 4; i++) {
                b.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Out u64(long v) {
            for (int i = 0; i < 8; i++) {
                b.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Out f32(float v) {
            return u32(Float.floatToRawIntBits(v));
        }

        Out f64(double v) {
            return u64(Double.doubleToRawLongBits(v));
        }

        Out str(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            return raw(bytes);
        }

        Out padTo(int alignment) {
            while (b.size() % alignment != 0) {
                b.write(0);
            }
            return this;
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }
}
