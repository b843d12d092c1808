package dev.requant.plugins.gguf;

import dev.requant.spi.BadInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads little-endian GGUF fields one after another from a mapped file. Every read first checks
 * that the bytes are there, so a truncated or lying file fails with the offset of the field that
 * does not fit instead of an out-of-bounds exception.
 */
final class GgufCursor {
    /** ggml's {@code GGUF_MAX_STRING_LENGTH}: longer strings are refused before anything is copied. */
    static final long MAX_STRING_BYTES = 1L << 30;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment data;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long pos;

    GgufCursor(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
    }

    Path file() {
        return file;
    }

    long position() {
        return pos;
    }

    long size() {
        return data.byteSize();
    }

    long remaining() {
        return data.byteSize() - pos;
    }

    BadInputException error(long offset, String problem) {
        return BadInputException.at(file, offset, problem);
    }

    private long take(long n, String what) throws BadInputException {
        if (n > remaining()) {
            throw error(pos, "the file ends inside " + what + " (" + n + " bytes needed, " + remaining()
                    + " left, file size " + size() + ")");
        }
        long at = pos;
        pos += n;
        return at;
    }

    byte u8(String what) throws BadInputException {
        return data.get(ValueLayout.JAVA_BYTE, take(1, what));
    }

    short u16(String what) throws BadInputException {
        return data.get(SHORT, take(2, what));
    }

    int u32(String what) throws BadInputException {
        return data.get(INT, take(4, what));
    }

    long u64(String what) throws BadInputException {
        return data.get(LONG, take(8, what));
    }

    float f32(String what) throws BadInputException {
        return Float.intBitsToFloat(u32(what));
    }

    double f64(String what) throws BadInputException {
        return Double.longBitsToDouble(u64(what));
    }

    /**
     * A GGUF string: a u64 byte length, then that many bytes of UTF-8. Lengths beyond the file or
     * beyond ggml's limit fail at the length field; bytes that are not UTF-8 fail too, because a
     * Java string cannot carry them back out unchanged.
     */
    String string(String what) throws BadInputException {
        long at = pos;
        long length = u64("the length of " + what);
        if (length < 0 || length > remaining()) {
            throw error(at, what + ": length " + Long.toUnsignedString(length) + " exceeds the " + remaining()
                    + " bytes left in the file");
        }
        if (length > MAX_STRING_BYTES) {
            throw error(at, what + ": length " + length + " exceeds ggml's limit of " + MAX_STRING_BYTES + " bytes");
        }
        long start = take(length, what);
        try {
            return utf8.decode(data.asSlice(start, length).asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw error(start, what + " is not valid UTF-8 (GGUF strings are UTF-8)");
        }
    }
}
