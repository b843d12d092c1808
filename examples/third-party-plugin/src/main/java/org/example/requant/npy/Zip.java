package org.example.requant.npy;

/**
 * Facts of the ZIP format (PKWARE APPNOTE 6.3) that the reader and the writer share: record
 * signatures and sizes, and the values that mean "look in the ZIP64 records instead".
 */
final class Zip {
    static final int LOCAL_HEADER_SIG = 0x04034b50;
    static final int CENTRAL_HEADER_SIG = 0x02014b50;
    static final int END_SIG = 0x06054b50;
    static final int ZIP64_END_SIG = 0x06064b50;
    static final int ZIP64_LOCATOR_SIG = 0x07064b50;

    static final int LOCAL_HEADER_SIZE = 30;
    static final int CENTRAL_HEADER_SIZE = 46;
    static final int END_SIZE = 22;
    static final int ZIP64_END_SIZE = 56;
    static final int ZIP64_LOCATOR_SIZE = 20;

    /** Header id of the ZIP64 extended information extra field. */
    static final int ZIP64_EXTRA_ID = 0x0001;

    /** A 32-bit size or offset with this value is in the ZIP64 extra field or end record. */
    static final long MARKER_32 = 0xFFFF_FFFFL;
    /** A 16-bit count or disk number with this value is in the ZIP64 records. */
    static final int MARKER_16 = 0xFFFF;

    static final int METHOD_STORED = 0;
    static final int METHOD_DEFLATED = 8;

    static final int FLAG_ENCRYPTED = 1;
    /** General purpose bit 11: the name is UTF-8 (otherwise IBM code page 437). */
    static final int FLAG_UTF8 = 1 << 11;

    /** Version needed to extract: 2.0 for stored files, 4.5 for ZIP64. */
    static final int VERSION_STORED = 20;
    static final int VERSION_ZIP64 = 45;

    /** The longest comment an end record can have (its length is a 16-bit field). */
    static final int MAX_COMMENT = 0xFFFF;

    private Zip() {
    }
}
