package org.example.requant.npy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Shape;
import dev.requant.spi.io.MappedFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The header of a {@code .npy} array (NumPy's NEP 1 format): the magic {@code \x93NUMPY}, a
 * version byte pair, the header length (2 bytes in version 1.0, 4 bytes in 2.0 and 3.0), and a
 * Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded
 * with spaces and a newline. The array's bytes follow it, in C order.
 *
 * @param dtype      the element type
 * @param shape      the array's shape ({@code ()} is one element)
 * @param dataOffset where the array's bytes start, from the start of the .npy
 */
record NpyHeader(NpyDtype dtype, Shape shape, long dataOffset) {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Most dimensions numpy allows (NPY_MAXDIMS of numpy 2). */
    static final int MAX_RANK = 64;

    /** Headers are padded so that the data starts at a multiple of this. */
    private static final int ALIGN = 64;

    /**
     * numpy pads a header so that its first dimension could grow to this many digits in place
     * (appending to the array without moving its data); matching it makes our members the bytes
     * {@code numpy.save} writes.
     */
    private static final int GROWTH_DIGITS = 21;

    /** A sanity bound far above any header of a plain dtype (numpy itself stops at 10000). */
    private static final long MAX_HEADER_LENGTH = 1 << 20;

    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

    long dataSize() {
        return Math.multiplyExact(shape.numel(), (long) dtype.itemSize());
    }

    /**
     * Reads the header of the .npy that occupies {@code [start, start + length)} of {@code file}
     * and checks that the array fills the rest exactly.
     */
    static NpyHeader read(MappedFile file, long start, long length) throws BadInputException {
        Region npy = new Region(file, start, length);
        MemorySegment prefix = npy.bytes(0, 10, "npy magic, version and header length");
        if (prefix.asSlice(0, MAGIC.length).mismatch(MemorySegment.ofArray(MAGIC)) != -1) {
            throw BadInputException.at(file.path(), start, "not a .npy array: it does not start with \\x93NUMPY");
        }
        int major = Byte.toUnsignedInt(prefix.get(ValueLayout.JAVA_BYTE, 6));
        int minor = Byte.toUnsignedInt(prefix.get(ValueLayout.JAVA_BYTE, 7));
        if (minor != 0 || major < 1 || major > 3) {
            throw BadInputException.at(file.path(), start + 6, "npy format version " + major + "." + minor
                    + " is not one of 1.0, 2.0, 3.0");
        }
        long headerLength;
        int lengthEnd;
        if (major == 1) {
            headerLength = LittleEndian.u16(prefix, 8);
            lengthEnd = 10;
        } else {
            headerLength = LittleEndian.u32(npy.bytes(8, 4, "npy header length"), 0);
            lengthEnd = 12;
        }
        if (headerLength > MAX_HEADER_LENGTH) {
            throw BadInputException.at(file.path(), start + 8, "npy header length " + headerLength
                    + " is more than the " + MAX_HEADER_LENGTH + " bytes accepted");
        }
        byte[] text = npy.bytes(lengthEnd, headerLength, "npy header").toArray(ValueLayout.JAVA_BYTE);
        // versions 1.0 and 2.0 store the dict in latin-1, 3.0 in UTF-8 (for non-ASCII field names)
        Charset charset = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        long textStart = start + lengthEnd;
        PythonLiteral literal = PythonLiteral.parse(text, textStart, file.path(), charset);
        if (!(literal instanceof PythonLiteral.Dict dict)) {
            throw BadInputException.at(file.path(), literal.offset(), "npy header is not a dict");
        }
        for (var key : dict.keyOffsets().entrySet()) {
            if (!KEYS.contains(key.getKey())) {
                throw BadInputException.at(file.path(), key.getValue(), "npy header has an unexpected key '"
                        + key.getKey() + "' (expected descr, fortran_order, shape)");
            }
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.entries().containsKey(key)) {
                throw BadInputException.at(file.path(), dict.offset(), "npy header has no '" + key + "'");
            }
        }
        NpyDtype dtype = dtype(file, dict.entries().get("descr"));
        checkCOrder(file, dict.entries().get("fortran_order"));
        Shape shape = shape(file, dict.entries().get("shape"));

        long dataOffset = lengthEnd + headerLength;
        NpyHeader header = new NpyHeader(dtype, shape, dataOffset);
        long dataSize;
        try {
            dataSize = header.dataSize();
        } catch (ArithmeticException e) {
            throw BadInputException.at(file.path(), dict.entries().get("shape").offset(), "shape " + shape
                    + " of " + dtype.descr() + " is more bytes than a file can hold");
        }
        String array = "array data (shape " + shape + ", " + dtype.descr() + ")";
        npy.bytes(dataOffset, dataSize, array);
        long extra = length - dataOffset - dataSize;
        if (extra > 0) {
            throw BadInputException.at(file.path(), start + dataOffset + dataSize, extra + " bytes follow the "
                    + dataSize + " bytes of the " + array);
        }
        return header;
    }

    private static NpyDtype dtype(MappedFile file, PythonLiteral descr) throws BadInputException {
        return switch (descr) {
            case PythonLiteral.Str s -> {
                try {
                    yield NpyDtype.ofDescr(s.value());
                } catch (IllegalArgumentException e) {
                    throw BadInputException.at(file.path(), s.offset(), e.getMessage());
                }
            }
            case PythonLiteral.Sequence seq -> throw BadInputException.at(file.path(), seq.offset(),
                    "structured dtype (a list of fields) is not supported; supported: " + NpyDtype.supported());
            default -> throw BadInputException.at(file.path(), descr.offset(), "descr is not a dtype string");
        };
    }

    private static void checkCOrder(MappedFile file, PythonLiteral fortranOrder) throws BadInputException {
        if (!(fortranOrder instanceof PythonLiteral.Bool b)) {
            throw BadInputException.at(file.path(), fortranOrder.offset(), "fortran_order is not True or False");
        }
        if (b.value()) {
            throw BadInputException.at(file.path(), b.offset(), "fortran_order is True: the array is stored"
                    + " column-major; only C-order arrays are read (save np.ascontiguousarray(a) instead)");
        }
    }

    private static Shape shape(MappedFile file, PythonLiteral shape) throws BadInputException {
        if (!(shape instanceof PythonLiteral.Sequence seq) || !seq.tuple()) {
            throw BadInputException.at(file.path(), shape.offset(), "shape is not a tuple");
        }
        long[] dims = new long[seq.items().size()];
        for (int i = 0; i < dims.length; i++) {
            PythonLiteral item = seq.items().get(i);
            if (!(item instanceof PythonLiteral.Int n) || n.value() < 0) {
                throw BadInputException.at(file.path(), item.offset(), "shape dimension " + i
                        + " is not a non-negative integer");
            }
            dims[i] = n.value();
        }
        try {
            return Shape.of(dims);
        } catch (ArithmeticException e) {
            throw BadInputException.at(file.path(), shape.offset(), "shape " + Arrays.toString(dims)
                    + " has more elements than a long can count");
        }
    }

    /**
     * The header numpy 2 writes for a C-order array of this dtype and shape (version 1.0; rank at
     * most {@link #MAX_RANK}, so it always fits).
     */
    static byte[] encode(NpyDtype dtype, Shape shape) {
        if (shape.rank() > MAX_RANK) {
            throw new IllegalArgumentException("rank " + shape.rank() + ": numpy arrays have at most " + MAX_RANK
                    + " dimensions");
        }
        StringBuilder dict = new StringBuilder()
                .append("{'descr': '").append(dtype.descr()).append("', 'fortran_order': False, 'shape': ")
                .append(tuple(shape)).append(", }");
        if (shape.rank() > 0) {
            dict.repeat(' ', GROWTH_DIGITS - Long.toString(shape.dim(0)).length());
        }
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        // numpy pads by a whole ALIGN when the header already ends on a boundary
        int padding = ALIGN - unpadded % ALIGN;
        dict.repeat(' ', padding).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }

    /** A shape as Python writes a tuple: {@code ()}, {@code (5,)}, {@code (2, 3)}. */
    private static String tuple(Shape shape) {
        if (shape.rank() == 1) {
            return "(" + shape.dim(0) + ",)";
        }
        return Arrays.stream(shape.dims()).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** The bytes of one .npy within a file; reads past its end are refused with the file offset. */
    private record Region(MappedFile file, long start, long length) {
        MemorySegment bytes(long offset, long count, String what) throws BadInputException {
            if (offset > length || count > length - offset) {
                long left = Math.max(0, length - offset);
                throw BadInputException.at(file.path(), start + Math.min(offset, length), what + " needs " + count
                        + " bytes but the array has " + left + " left (truncated?)");
            }
            return file.slice(start + offset, count, what);
        }
    }
}
