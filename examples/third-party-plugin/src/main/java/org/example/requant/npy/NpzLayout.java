package org.example.requant.npy;

import dev.requant.spi.ElementType;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where every byte of an {@code .npz} output goes, fixed from the plan before any data: per tensor
 * a local header, the {@code .npy} header, the array; then the central directory and the end
 * records. Members are STORED, so every offset is known in advance; only the CRC-32s wait for the
 * data. The layout is the one {@code numpy.savez} produces, minus its habit of giving every
 * member ZIP64 sizes: ZIP64 fields appear only where a size, offset or count does not fit.
 */
final class NpzLayout {
    /** Values at or above this go to ZIP64 fields (the 32-bit field would hold the marker). */
    static final long ZIP64_LIMIT = Zip.MARKER_32;

    /** 1980-01-01 00:00:00, the earliest DOS date: fixed, so that equal inputs give equal archives. */
    private static final int DOS_DATE = (1 << 5) | 1;
    private static final int DOS_TIME = 0;

    /** Made by a Unix host, so that unzip restores the mode in the external attributes. */
    private static final int HOST_UNIX = 3 << 8;
    /** A regular file, rw-r--r--. */
    private static final int EXTERNAL_ATTRIBUTES = 0100644 << 16;

    private static final int ZIP64_LOCAL_EXTRA = 4 + 8 + 8;

    /**
     * One tensor's member.
     *
     * @param zip64Sizes  its size needs ZIP64 fields (in the local and central headers)
     * @param zip64Offset its local header offset needs a ZIP64 field (central header only)
     */
    record Member(String tensor, byte[] name, byte[] npyHeader, long dataSize, long localHeaderOffset,
            boolean zip64Sizes, boolean zip64Offset) {

        /** The member's bytes: the .npy header and the array. */
        long size() {
            return npyHeader.length + dataSize;
        }

        int localHeaderLength() {
            return Zip.LOCAL_HEADER_SIZE + name.length + (zip64Sizes ? ZIP64_LOCAL_EXTRA : 0);
        }

        long npyOffset() {
            return localHeaderOffset + localHeaderLength();
        }

        long dataOffset() {
            return npyOffset() + npyHeader.length;
        }

        int centralExtraLength() {
            int fields = (zip64Sizes ? 2 : 0) + (zip64Offset ? 1 : 0);
            return fields == 0 ? 0 : 4 + 8 * fields;
        }

        int versionNeeded() {
            return zip64Sizes || zip64Offset ? Zip.VERSION_ZIP64 : Zip.VERSION_STORED;
        }

        int flags() {
            for (byte b : name) {
                if (b < 0) {
                    return Zip.FLAG_UTF8;
                }
            }
            return 0;
        }
    }

    private final List<Member> members;
    private final long zip64Threshold;
    private final long centralOffset;
    private final long centralSize;
    private final boolean zip64End;

    private NpzLayout(List<Member> members, long zip64Threshold, long centralOffset, long centralSize) {
        this.members = List.copyOf(members);
        this.zip64Threshold = zip64Threshold;
        this.centralOffset = centralOffset;
        this.centralSize = centralSize;
        this.zip64End = over16(members.size()) || over32(centralSize) || over32(centralOffset);
    }

    /**
     * Lays out the plan.
     *
     * @throws IllegalArgumentException naming the tensor that .npz cannot hold
     */
    static NpzLayout of(OutputPlan plan) {
        return of(plan, ZIP64_LIMIT);
    }

    /** As {@link #of(OutputPlan)}, with ZIP64 fields from a lower value on (tests reach them with small files). */
    static NpzLayout of(OutputPlan plan, long zip64Threshold) {
        List<Member> members = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (PlannedTensor t : plan.tensors()) {
            NpyDtype dtype = dtype(t);
            TensorInfo info = t.info();
            String memberName = info.name() + NpzModel.NPY_SUFFIX;
            if (!names.add(memberName)) {
                throw new IllegalArgumentException("tensor " + info.name() + " appears twice in the plan");
            }
            byte[] name = memberName.getBytes(StandardCharsets.UTF_8);
            if (name.length > 0xFFFF) {
                throw new IllegalArgumentException("tensor " + info.name().substring(0, 40) + "...: a name of "
                        + name.length + " bytes does not fit a ZIP member name (65535 at most)");
            }
            byte[] npyHeader;
            try {
                npyHeader = NpyHeader.encode(dtype, info.shape());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor " + info.name() + ": " + e.getMessage(), e);
            }
            long dataSize = t.byteSize();
            boolean zip64Sizes = npyHeader.length + dataSize >= zip64Threshold;
            Member m = new Member(info.name(), name, npyHeader, dataSize, offset, zip64Sizes,
                    offset >= zip64Threshold);
            members.add(m);
            offset = m.dataOffset() + dataSize;
        }
        long centralSize = 0;
        for (Member m : members) {
            centralSize += Zip.CENTRAL_HEADER_SIZE + m.name().length + m.centralExtraLength();
        }
        return new NpzLayout(members, zip64Threshold, offset, centralSize);
    }

    /** The dtype of a plain one-part tensor that numpy can hold; refuses anything else. */
    private static NpyDtype dtype(PlannedTensor t) {
        TensorInfo info = t.info();
        if (!(info.type() instanceof ElementType type) || NpyDtype.of(type).isEmpty()) {
            throw new IllegalArgumentException("tensor " + info.name() + ": type " + info.type().id()
                    + " cannot be stored in .npz; it stores " + NpzWriter.storable());
        }
        PartSpec part = t.parts().getFirst();
        if (t.parts().size() != 1 || part.dtype() != type || !part.shape().equals(info.shape())) {
            throw new IllegalArgumentException("tensor " + info.name() + ": .npz stores one plain array per tensor,"
                    + " but the plan gives parts " + t.parts());
        }
        return NpyDtype.of(type).orElseThrow();
    }

    List<Member> members() {
        return members;
    }

    long centralOffset() {
        return centralOffset;
    }

    /** Length of the whole archive. */
    long length() {
        return centralOffset + centralSize + (zip64End ? Zip.ZIP64_END_SIZE + Zip.ZIP64_LOCATOR_SIZE : 0)
                + Zip.END_SIZE;
    }

    /** The local header of member {@code i}, which goes at its {@code localHeaderOffset}. */
    byte[] localHeader(int i, int crc) {
        Member m = members.get(i);
        ByteBuffer b = ByteBuffer.allocate(m.localHeaderLength()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Zip.LOCAL_HEADER_SIG)
                .putShort((short) m.versionNeeded())
                .putShort((short) m.flags())
                .putShort((short) Zip.METHOD_STORED)
                .putShort((short) DOS_TIME)
                .putShort((short) DOS_DATE)
                .putInt(crc)
                .putInt((int) (m.zip64Sizes() ? Zip.MARKER_32 : m.size()))
                .putInt((int) (m.zip64Sizes() ? Zip.MARKER_32 : m.size()))
                .putShort((short) m.name().length)
                .putShort((short) (m.zip64Sizes() ? ZIP64_LOCAL_EXTRA : 0))
                .put(m.name());
        if (m.zip64Sizes()) {
            // a local ZIP64 field carries both sizes, uncompressed first
            b.putShort((short) Zip.ZIP64_EXTRA_ID).putShort((short) (ZIP64_LOCAL_EXTRA - 4))
                    .putLong(m.size()).putLong(m.size());
        }
        return b.array();
    }

    /** The central directory and end records, which go at {@link #centralOffset()}. */
    byte[] tail(int[] crcs) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(length() - centralOffset)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            b.putInt(Zip.CENTRAL_HEADER_SIG)
                    .putShort((short) (HOST_UNIX | m.versionNeeded()))
                    .putShort((short) m.versionNeeded())
                    .putShort((short) m.flags())
                    .putShort((short) Zip.METHOD_STORED)
                    .putShort((short) DOS_TIME)
                    .putShort((short) DOS_DATE)
                    .putInt(crcs[i])
                    .putInt((int) (m.zip64Sizes() ? Zip.MARKER_32 : m.size()))
                    .putInt((int) (m.zip64Sizes() ? Zip.MARKER_32 : m.size()))
                    .putShort((short) m.name().length)
                    .putShort((short) m.centralExtraLength())
                    .putShort((short) 0) // comment length
                    .putShort((short) 0) // disk number start
                    .putShort((short) 0) // internal attributes: binary
                    .putInt(EXTERNAL_ATTRIBUTES)
                    .putInt((int) (m.zip64Offset() ? Zip.MARKER_32 : m.localHeaderOffset()))
                    .put(m.name());
            if (m.centralExtraLength() > 0) {
                // only the fields whose header value is the marker, in the order size, compressed size, offset
                b.putShort((short) Zip.ZIP64_EXTRA_ID).putShort((short) (m.centralExtraLength() - 4));
                if (m.zip64Sizes()) {
                    b.putLong(m.size()).putLong(m.size());
                }
                if (m.zip64Offset()) {
                    b.putLong(m.localHeaderOffset());
                }
            }
        }
        long count = members.size();
        if (zip64End) {
            long zip64EndOffset = centralOffset + centralSize;
            b.putInt(Zip.ZIP64_END_SIG)
                    .putLong(Zip.ZIP64_END_SIZE - 12) // the record's size after this field
                    .putShort((short) (HOST_UNIX | Zip.VERSION_ZIP64))
                    .putShort((short) Zip.VERSION_ZIP64)
                    .putInt(0) // this disk
                    .putInt(0) // disk of the central directory
                    .putLong(count)
                    .putLong(count)
                    .putLong(centralSize)
                    .putLong(centralOffset);
            b.putInt(Zip.ZIP64_LOCATOR_SIG)
                    .putInt(0) // disk of the ZIP64 end record
                    .putLong(zip64EndOffset)
                    .putInt(1); // disks in all
        }
        short count16 = (short) (over16(count) ? Zip.MARKER_16 : count);
        b.putInt(Zip.END_SIG)
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort(count16)
                .putShort(count16)
                .putInt((int) (over32(centralSize) ? Zip.MARKER_32 : centralSize))
                .putInt((int) (over32(centralOffset) ? Zip.MARKER_32 : centralOffset))
                .putShort((short) 0); // comment length
        return b.array();
    }

    private boolean over32(long value) {
        return value >= zip64Threshold;
    }

    private boolean over16(long value) {
        return value >= Math.min(zip64Threshold, Zip.MARKER_16);
    }
}
