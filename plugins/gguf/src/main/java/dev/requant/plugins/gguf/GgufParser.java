package dev.requant.plugins.gguf;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and checks the header of one GGUF file (v2 or v3, little-endian) the way ggml's
 * {@code gguf_init_from_file} does, and additionally checks that every tensor's data lies inside
 * the file. Counts and lengths are checked against the bytes left before anything is allocated,
 * so absurd values fail at once with the offset of the field.
 */
final class GgufParser {
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    /** The spec allows arrays of arrays; a bound keeps a hostile file from exhausting the stack. */
    static final int MAX_ARRAY_NESTING = 16;

    static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    private static final int HEADER_BYTES = 24;
    /** An empty-named tensor info without dimensions: name length, n_dims, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    /** A one-byte key with a one-byte value: key length, key, type, value. */
    private static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;
    private static final long MAX_ARRAY_ITEMS = Integer.MAX_VALUE - 8;

    private final GgufCursor in;

    private GgufParser(GgufCursor in) {
        this.in = in;
    }

    static GgufHeader parse(Path file, MemorySegment data) throws BadInputException {
        return new GgufParser(new GgufCursor(file, data)).header();
    }

    private GgufHeader header() throws BadInputException {
        magic();
        int version = version();
        long tensorCount = count("tensor count", MIN_TENSOR_INFO_BYTES);
        long kvCount = count("key/value count", MIN_KV_BYTES);
        Map<String, GgufKv> kvs = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            keyValue(kvs);
        }
        long alignment = alignment(kvs);
        List<GgufTensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            tensors.add(tensorInfo(i, names));
        }
        // ggml seeks to the aligned data section only when there are tensors
        long dataOffset = tensorCount == 0 ? in.position() : alignUp(in.position(), alignment);
        checkData(tensors, dataOffset, alignment);
        return new GgufHeader(in.file(), version, alignment, kvs, List.copyOf(tensors), dataOffset);
    }

    private void magic() throws BadInputException {
        if (in.size() < MAGIC.length) {
            throw in.error(0, "not a GGUF file: it has " + in.size() + " bytes, fewer than the 4-byte magic");
        }
        byte[] found = new byte[MAGIC.length];
        for (int i = 0; i < found.length; i++) {
            found[i] = in.u8("the magic");
        }
        if (!Arrays.equals(found, MAGIC)) {
            throw in.error(0, "not a GGUF file: the magic is " + hex(found) + ", expected 47 47 55 46 (\"GGUF\")");
        }
    }

    private int version() throws BadInputException {
        long at = in.position();
        int version = in.u32("the version");
        if (version == 0) {
            throw in.error(at, "GGUF version 0 is invalid");
        }
        if ((version & 0xFFFF) == 0) {
            throw in.error(at, "the version field reads " + String.format("0x%08x", version)
                    + ": the file is big-endian (version " + Integer.reverseBytes(version)
                    + " byte-swapped); requant reads little-endian GGUF only");
        }
        if (version == 1) {
            throw in.error(at, "GGUF version 1 is not supported (it has 32-bit counts and ggml no longer reads it);"
                    + " convert the model again with a current llama.cpp");
        }
        if (Integer.compareUnsigned(version, 3) > 0) {
            throw in.error(at, "GGUF version " + Integer.toUnsignedString(version)
                    + " is newer than version 3, the latest requant reads");
        }
        return version;
    }

    private long count(String what, int minBytesEach) throws BadInputException {
        long at = in.position();
        long n = in.u64("the " + what);
        if (n < 0) {
            throw in.error(at, what + " " + n + " is negative");
        }
        long fit = Math.max(0, in.size() - HEADER_BYTES) / minBytesEach;
        if (n > fit) {
            throw in.error(at, what + " " + n + " is impossible: the file has " + in.size()
                    + " bytes and each entry takes at least " + minBytesEach);
        }
        return n;
    }

    private void keyValue(Map<String, GgufKv> kvs) throws BadInputException {
        long at = in.position();
        String key = in.string("a key");
        if (key.isEmpty()) {
            throw in.error(at, "empty key");
        }
        GgufKv first = kvs.get(key);
        if (first != null) {
            throw in.error(at, "duplicate key '" + key + "' (first at offset " + first.offset() + ")");
        }
        GgufValueType type = valueType(key);
        kvs.put(key, new GgufKv(key, value(type, key, 0), at));
    }

    private GgufValueType valueType(String key) throws BadInputException {
        long at = in.position();
        int code = in.u32("the value type of key '" + key + "'");
        return GgufValueType.byCode(code)
                .orElseThrow(() -> in.error(at, "key '" + key + "': unknown value type " + code));
    }

    private MetaValue value(GgufValueType type, String key, int depth) throws BadInputException {
        String what = "the value of key '" + key + "'";
        return switch (type) {
            case U8 -> new MetaValue.Int(MetaType.U8, Byte.toUnsignedLong(in.u8(what)));
            case I8 -> new MetaValue.Int(MetaType.I8, in.u8(what));
            case U16 -> new MetaValue.Int(MetaType.U16, Short.toUnsignedLong(in.u16(what)));
            case I16 -> new MetaValue.Int(MetaType.I16, in.u16(what));
            case U32 -> new MetaValue.Int(MetaType.U32, Integer.toUnsignedLong(in.u32(what)));
            case I32 -> new MetaValue.Int(MetaType.I32, in.u32(what));
            case U64 -> new MetaValue.Int(MetaType.U64, in.u64(what));
            case I64 -> new MetaValue.Int(MetaType.I64, in.u64(what));
            case F32 -> new MetaValue.Real(MetaType.F32, in.f32(what));
            case F64 -> new MetaValue.Real(MetaType.F64, in.f64(what));
            // ggml reads any non-zero byte as true
            case BOOL -> new MetaValue.Bool(in.u8(what) != 0);
            case STRING -> new MetaValue.Str(in.string(what));
            case ARRAY -> array(key, depth);
        };
    }

    private MetaValue array(String key, int depth) throws BadInputException {
        if (depth >= MAX_ARRAY_NESTING) {
            throw in.error(in.position(), "key '" + key + "': arrays nested more than " + MAX_ARRAY_NESTING + " deep");
        }
        GgufValueType element = valueType(key);
        long at = in.position();
        long count = in.u64("the element count of key '" + key + "'");
        if (count < 0 || count > in.remaining() / element.minBytes() || count > MAX_ARRAY_ITEMS) {
            throw in.error(at, "key '" + key + "': an array of " + Long.toUnsignedString(count) + " "
                    + element.metaType() + " values cannot fit in the " + in.remaining() + " bytes left in the file");
        }
        List<MetaValue> items = new ArrayList<>((int) Math.min(count, 1 << 16));
        for (long i = 0; i < count; i++) {
            items.add(value(element, key, depth + 1));
        }
        return new MetaValue.Arr(element.metaType(), items);
    }

    private long alignment(Map<String, GgufKv> kvs) throws BadInputException {
        GgufKv kv = kvs.get(ALIGNMENT_KEY);
        if (kv == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(kv.value() instanceof MetaValue.Int i) || i.type() != MetaType.U32) {
            throw in.error(kv.offset(), ALIGNMENT_KEY + " must be a U32, not " + kv.value().type());
        }
        long a = i.value();
        if (a == 0 || (a & (a - 1)) != 0) {
            throw in.error(kv.offset(), ALIGNMENT_KEY + " " + a + " is not a power of two");
        }
        return a;
    }

    private GgufTensorInfo tensorInfo(long index, Set<String> names) throws BadInputException {
        long at = in.position();
        String name = in.string("the name of tensor " + index);
        if (!names.add(name)) {
            throw in.error(at, "duplicate tensor name '" + name + "'");
        }
        String what = "tensor '" + name + "'";
        long dimsAt = in.position();
        int nDims = in.u32("the n_dims of " + what);
        if (Integer.toUnsignedLong(nDims) > MAX_DIMS) {
            throw in.error(dimsAt, what + ": n_dims " + Integer.toUnsignedString(nDims) + " is more than ggml's "
                    + MAX_DIMS);
        }
        long[] ne = new long[nDims];
        for (int j = 0; j < nDims; j++) {
            long neAt = in.position();
            ne[j] = in.u64("dimension " + j + " of " + what);
            if (ne[j] < 0) {
                throw in.error(neAt, what + ": dimension " + j + " is negative (" + ne[j] + ")");
            }
        }
        long typeAt = in.position();
        int typeId = in.u32("the type of " + what);
        GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> in.error(typeAt, what + ": unknown ggml type id "
                + typeId + " (ggml defines 0 to " + (GgmlType.COUNT - 1) + ")"));
        if (!type.isUsable()) {
            throw in.error(typeAt, what + ": ggml type id " + typeId + " (" + type.typeName()
                    + ") was removed from ggml; its data cannot be read");
        }
        long rowLength = nDims == 0 ? 1 : ne[0];
        if (rowLength % type.blockSize() != 0) {
            throw in.error(at, what + ": row length ne[0] = " + rowLength + " is not a multiple of the "
                    + type.typeName() + " block size " + type.blockSize());
        }
        long nbytes;
        try {
            long rows = 1;
            for (int j = 1; j < nDims; j++) {
                rows = Math.multiplyExact(rows, ne[j]);
            }
            Math.multiplyExact(rows, rowLength);
            nbytes = Math.multiplyExact(rows, type.rowBytes(rowLength));
        } catch (ArithmeticException e) {
            throw in.error(at, what + ": dimensions " + Arrays.toString(ne) + " overflow 64 bits");
        }
        long offsetAt = in.position();
        long offset = in.u64("the data offset of " + what);
        return new GgufTensorInfo(name, ne, type, offset, nbytes, at, offsetAt);
    }

    /**
     * Beyond the bounds, ggml requires each tensor's data to start where the previous one's ends,
     * padded to the alignment: a file that reorders, overlaps or leaves gaps is refused by
     * llama.cpp, so it is refused here too rather than converted into something that looks valid.
     */
    private void checkData(List<GgufTensorInfo> tensors, long dataOffset, long alignment) throws BadInputException {
        long available = in.size() - dataOffset;
        long expected = 0;
        for (GgufTensorInfo t : tensors) {
            String what = "tensor '" + t.name() + "'";
            String offset = Long.toUnsignedString(t.offset());
            if (Long.remainderUnsigned(t.offset(), alignment) != 0) {
                throw in.error(t.offsetAt(), what + ": data offset " + offset + " is not a multiple of the alignment "
                        + alignment);
            }
            if (available < 0 || t.offset() < 0 || t.offset() > available || t.nbytes() > available - t.offset()) {
                throw in.error(t.offsetAt(), what + ": data offset " + offset + " plus " + t.nbytes()
                        + " bytes runs past the end of the file (data section at " + dataOffset + ", file size "
                        + in.size() + ")");
            }
            if (t.offset() != expected) {
                String how = t.offset() < expected ? "overlaps the tensor before it" : "leaves a gap after the tensor before it";
                throw in.error(t.offsetAt(), what + ": data offset " + offset + ", expected " + expected + ": it " + how
                        + " (ggml requires tensor data in tensor-info order, each padded to the alignment " + alignment
                        + ")");
            }
            expected += alignUp(t.nbytes(), alignment);
        }
    }

    static long alignUp(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(b.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xFF));
        }
        return b.toString();
    }
}
