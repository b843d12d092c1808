package org.example.requant.npy;

import static org.example.requant.npy.LittleEndian.u16;
import static org.example.requant.npy.LittleEndian.u32;
import static org.example.requant.npy.LittleEndian.u64;

import dev.requant.spi.BadInputException;
import dev.requant.spi.io.MappedFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The members of a ZIP archive, read from its central directory: the end record (found by
 * scanning back over a possible comment), the ZIP64 locator and end record when present, then
 * every central header and the local header it points to, which gives where the member's bytes
 * start. Single-disk archives only. CRC-32s are not checked: that would read every byte of every
 * array at open, and the arrays are mapped, not read.
 */
final class ZipDirectory {
    /** One stored member: its name, where its local header is, and where its {@code size} bytes start. */
    record Member(String name, long localHeaderOffset, long size, long dataOffset) {
    }

    private final MappedFile file;

    private ZipDirectory(MappedFile file) {
        this.file = file;
    }

    static List<Member> read(MappedFile file) throws BadInputException {
        return new ZipDirectory(file).members();
    }

    private List<Member> members() throws BadInputException {
        long end = findEnd();
        MemorySegment rec = file.slice(end, Zip.END_SIZE, "end of central directory record");
        if (u16(rec, 4) != 0 || u16(rec, 6) != 0 || u16(rec, 8) != u16(rec, 10)) {
            throw BadInputException.at(file.path(), end + 4, "archive spans several disks, which is not supported");
        }
        long count = u16(rec, 10);
        long cdSize = u32(rec, 12);
        long cdOffset = u32(rec, 16);
        long cdLimit = end;
        long locator = end - Zip.ZIP64_LOCATOR_SIZE;
        if (locator >= 0 && u32(file.segment(), locator) == Zip.ZIP64_LOCATOR_SIG) {
            MemorySegment loc = file.slice(locator, Zip.ZIP64_LOCATOR_SIZE, "ZIP64 end locator");
            long zipEnd = u64(loc, 8);
            if (zipEnd < 0 || zipEnd > locator - Zip.ZIP64_END_SIZE
                    || u32(file.segment(), zipEnd) != Zip.ZIP64_END_SIG) {
                throw BadInputException.at(file.path(), locator + 8, "ZIP64 end locator points at offset "
                        + Long.toUnsignedString(zipEnd) + ", where there is no ZIP64 end record");
            }
            MemorySegment z = file.slice(zipEnd, Zip.ZIP64_END_SIZE, "ZIP64 end record");
            if (u32(z, 16) != 0 || u32(z, 20) != 0 || u64(z, 24) != u64(z, 32)) {
                throw BadInputException.at(file.path(), zipEnd + 16, "archive spans several disks, which is not"
                        + " supported");
            }
            count = u64(z, 32);
            cdSize = u64(z, 40);
            cdOffset = u64(z, 48);
            cdLimit = zipEnd;
        } else if (cdSize == Zip.MARKER_32 || cdOffset == Zip.MARKER_32) {
            throw BadInputException.at(file.path(), end + 12, "end record refers to ZIP64 records, but there is no"
                    + " ZIP64 end locator before it");
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
            throw BadInputException.at(file.path(), end, "central directory at offset "
                    + Long.toUnsignedString(cdOffset) + " (" + Long.toUnsignedString(cdSize) + " bytes) does not fit"
                    + " before the end records at offset " + cdLimit + " (truncated, or data prepended?)");
        }
        long cdEnd = cdOffset + cdSize;
        List<Member> members = new ArrayList<>();
        long pos = cdOffset;
        for (long i = 0; i < count; i++) {
            pos = central(pos, cdEnd, cdOffset, members);
        }
        if (pos != cdEnd) {
            throw BadInputException.at(file.path(), pos, "central directory is " + cdSize + " bytes but its " + count
                    + " entries end after " + (pos - cdOffset));
        }
        return members;
    }

    /** The last end record whose comment reaches exactly to the end of the file. */
    private long findEnd() throws BadInputException {
        long size = file.size();
        if (size < Zip.END_SIZE) {
            throw BadInputException.at(file.path(), 0, "not a ZIP archive: " + size + " bytes, and even an empty"
                    + " archive has " + Zip.END_SIZE);
        }
        MemorySegment all = file.segment();
        long lowest = Math.max(0, size - Zip.END_SIZE - Zip.MAX_COMMENT);
        for (long p = size - Zip.END_SIZE; p >= lowest; p--) {
            if (u32(all, p) == Zip.END_SIG && p + Zip.END_SIZE + u16(all, p + 20) == size) {
                return p;
            }
        }
        throw BadInputException.at(file.path(), size - Zip.END_SIZE, "no ZIP end of central directory record:"
                + " not a ZIP archive, or truncated");
    }

    /** Reads the central header at {@code pos} and its member's local header; returns the next position. */
    private long central(long pos, long cdEnd, long cdOffset, List<Member> members) throws BadInputException {
        String what = "central directory entry " + members.size();
        MemorySegment h = within(pos, Zip.CENTRAL_HEADER_SIZE, cdEnd, what);
        if (u32(h, 0) != Zip.CENTRAL_HEADER_SIG) {
            throw BadInputException.at(file.path(), pos, what + " has no central header signature");
        }
        int flags = u16(h, 8);
        int method = u16(h, 10);
        long compressed = u32(h, 20);
        long size = u32(h, 24);
        int nameLength = u16(h, 28);
        int extraLength = u16(h, 30);
        int commentLength = u16(h, 32);
        int disk = u16(h, 34);
        long local = u32(h, 42);
        long namePos = pos + Zip.CENTRAL_HEADER_SIZE;
        MemorySegment nameBytes = within(namePos, nameLength, cdEnd, what + " name");
        String name = decodeName(nameBytes, flags);
        MemorySegment extra = within(namePos + nameLength, extraLength, cdEnd, "extra field of " + name);
        within(namePos + nameLength + extraLength, commentLength, cdEnd, "comment of " + name);

        // the ZIP64 extra field holds, in this order, each field that is the marker in the header
        long[] fields = {size, compressed, local, disk};
        boolean[] inZip64 = {size == Zip.MARKER_32, compressed == Zip.MARKER_32, local == Zip.MARKER_32,
            disk == Zip.MARKER_16};
        readZip64(extra, namePos + nameLength, name, fields, inZip64);
        size = fields[0];
        compressed = fields[1];
        local = fields[2];
        if (fields[3] != 0) {
            throw BadInputException.at(file.path(), pos + 34, "member " + name + " is on another disk");
        }
        if ((flags & Zip.FLAG_ENCRYPTED) != 0) {
            throw BadInputException.at(file.path(), local, "member " + name + " is encrypted");
        }
        if (method == Zip.METHOD_DEFLATED) {
            throw BadInputException.at(file.path(), local, "member " + name + " is DEFLATE-compressed"
                    + " (numpy.savez_compressed writes these); arrays are mapped in place, which needs STORED members:"
                    + " save with numpy.savez instead");
        }
        if (method != Zip.METHOD_STORED) {
            throw BadInputException.at(file.path(), local, "member " + name + " uses compression method " + method
                    + "; only STORED (0) members are read");
        }
        if (compressed != size) {
            throw BadInputException.at(file.path(), pos + 20, "stored member " + name + " has a compressed size of "
                    + compressed + " but a size of " + size);
        }
        long data = localData(local, nameBytes, name, cdOffset);
        if (size < 0 || size > cdOffset - data) {
            throw BadInputException.at(file.path(), data, "the " + Long.toUnsignedString(size) + " bytes of member "
                    + name + " run past the central directory at offset " + cdOffset + " (truncated?)");
        }
        members.add(new Member(name, local, size, data));
        return namePos + nameLength + extraLength + commentLength;
    }

    private void readZip64(MemorySegment extra, long extraPos, String name, long[] fields, boolean[] inZip64)
            throws BadInputException {
        long p = 0;
        boolean found = false;
        while (p + 4 <= extra.byteSize() && !found) {
            int id = u16(extra, p);
            int length = u16(extra, p + 2);
            if (p + 4 + length > extra.byteSize()) {
                throw BadInputException.at(file.path(), extraPos + p, "extra field of " + name + " runs past its end");
            }
            if (id == Zip.ZIP64_EXTRA_ID) {
                found = true;
                long q = p + 4;
                for (int i = 0; i < fields.length; i++) {
                    if (!inZip64[i]) {
                        continue;
                    }
                    int width = i == 3 ? 4 : 8;
                    if (q + width > p + 4 + length) {
                        throw BadInputException.at(file.path(), extraPos + p, "ZIP64 extra field of " + name
                                + " is too short for the fields its header defers to it");
                    }
                    fields[i] = width == 4 ? u32(extra, q) : u64(extra, q);
                    q += width;
                }
            }
            p += 4 + length;
        }
        boolean deferred = false;
        for (boolean b : inZip64) {
            deferred |= b;
        }
        if (deferred && !found) {
            throw BadInputException.at(file.path(), extraPos, "central header of " + name + " defers its sizes"
                    + " or offset to a ZIP64 extra field, which is missing");
        }
    }

    /** Where the member's bytes start: after its local header, whose name must match the central one. */
    private long localData(long local, MemorySegment centralName, String name, long cdOffset)
            throws BadInputException {
        if (local < 0 || local > cdOffset - Zip.LOCAL_HEADER_SIZE) {
            throw BadInputException.at(file.path(), local, "local header of member " + name
                    + " is not before the central directory");
        }
        MemorySegment h = file.slice(local, Zip.LOCAL_HEADER_SIZE, "local header of member " + name);
        if (u32(h, 0) != Zip.LOCAL_HEADER_SIG) {
            throw BadInputException.at(file.path(), local, "no local header signature where the central directory"
                    + " puts member " + name);
        }
        int nameLength = u16(h, 26);
        int extraLength = u16(h, 28);
        MemorySegment localName = file.slice(local + Zip.LOCAL_HEADER_SIZE, nameLength, "name of member " + name);
        if (localName.mismatch(centralName) != -1) {
            throw BadInputException.at(file.path(), local + Zip.LOCAL_HEADER_SIZE, "local header names a member '"
                    + decodeName(localName, u16(h, 6)) + "' where the central directory says '" + name + "'");
        }
        return local + Zip.LOCAL_HEADER_SIZE + nameLength + extraLength;
    }

    /** UTF-8 when flagged, else IBM437 (the ZIP default, which Python's zipfile also assumes). */
    private static String decodeName(MemorySegment bytes, int flags) {
        byte[] b = bytes.toArray(ValueLayout.JAVA_BYTE);
        Charset cs = (flags & Zip.FLAG_UTF8) != 0 ? StandardCharsets.UTF_8 : Charset.forName("IBM437");
        return new String(b, cs);
    }

    private MemorySegment within(long pos, long length, long limit, String what) throws BadInputException {
        if (pos > limit || length > limit - pos) {
            throw BadInputException.at(file.path(), pos, what + " runs past the end of the central directory at"
                    + " offset " + limit);
        }
        return file.slice(pos, length, what);
    }
}
