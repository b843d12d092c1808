package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The protobuf wire format, as far as SentencePiece's {@code ModelProto} needs it: a message is a
 * run of fields, each a tag (field number and wire type, a varint) and a value. Unknown fields are
 * skipped; anything that runs past its message is reported with its byte offset in the file.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH = 2;
    static final int FIXED32 = 5;

    private final Path file;
    private final byte[] bytes;
    private final int end;
    private int pos;
    private int field;
    private int wireType;

    private ProtoReader(Path file, byte[] bytes, int start, int end) {
        this.file = file;
        this.bytes = bytes;
        this.pos = start;
        this.end = end;
    }

    static ProtoReader of(Path file, byte[] bytes) {
        return new ProtoReader(file, bytes, 0, bytes.length);
    }

    /** Reads the next tag; false at the end of the message. */
    boolean next() throws BadInputException {
        if (pos >= end) {
            return false;
        }
        int at = pos;
        long tag = varint();
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (field == 0) {
            throw BadInputException.at(file, at, "protobuf field number 0");
        }
        return true;
    }

    int field() {
        return field;
    }

    long varint() throws BadInputException {
        int at = pos;
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw BadInputException.at(file, at, "protobuf varint runs past the end of its message");
            }
            byte b = bytes[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw BadInputException.at(file, at, "protobuf varint longer than 10 bytes");
    }

    /** An int32 field: negative values are written as 64-bit varints. */
    int int32() throws BadInputException {
        expect(VARINT);
        return (int) varint();
    }

    boolean bool() throws BadInputException {
        expect(VARINT);
        return varint() != 0;
    }

    float float32() throws BadInputException {
        expect(FIXED32);
        need(4);
        int bits = (bytes[pos] & 0xFF) | (bytes[pos + 1] & 0xFF) << 8 | (bytes[pos + 2] & 0xFF) << 16
                | (bytes[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    String string() throws BadInputException {
        int length = length();
        String s = new String(bytes, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** The embedded message of a length-delimited field. */
    ProtoReader message() throws BadInputException {
        int length = length();
        ProtoReader m = new ProtoReader(file, bytes, pos, pos + length);
        pos += length;
        return m;
    }

    void skip() throws BadInputException {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8);
                pos += 8;
            }
            case LENGTH -> {
                int n = length(); // read first: it moves pos past the length's own bytes
                pos += n;
            }
            case FIXED32 -> {
                need(4);
                pos += 4;
            }
            default -> throw BadInputException.at(file, pos, "protobuf wire type " + wireType + " of field " + field
                    + " is not one SentencePiece writes");
        }
    }

    private int length() throws BadInputException {
        expect(LENGTH);
        int at = pos;
        long length = varint();
        if (length > end - pos) {
            throw BadInputException.at(file, at, "field " + field + " claims " + length + " bytes; its message has "
                    + (end - pos) + " left");
        }
        return (int) length;
    }

    private void need(int n) throws BadInputException {
        if (end - pos < n) {
            throw BadInputException.at(file, pos, "field " + field + " runs past the end of its message");
        }
    }

    private void expect(int type) throws BadInputException {
        if (wireType != type) {
            throw BadInputException.at(file, pos, "field " + field + " has wire type " + wireType + ", expected " + type);
        }
    }
}
