package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.Fp;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Argument checks and block byte access shared by the block codecs. */
final class Blocks {
    private Blocks() {
    }

    /** The number of whole blocks in {@code count} values; fails when a block would be cut. */
    static int of(GgmlType type, int count) {
        if (count < 0 || count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values are not whole blocks of " + type.blockSize()
                    + " (" + type.typeName() + ")");
        }
        return count / type.blockSize();
    }

    /** The {@code bytes} bytes of a block, on the heap: block decoders index them freely. */
    static byte[] read(MemorySegment x, long p, int bytes) {
        byte[] b = new byte[bytes];
        MemorySegment.copy(x, ValueLayout.JAVA_BYTE, p, b, 0, bytes);
        return b;
    }

    /** Writes a block built on the heap. */
    static void write(byte[] b, MemorySegment y, long p) {
        MemorySegment.copy(b, 0, y, ValueLayout.JAVA_BYTE, p, b.length);
    }

    /** The unsigned byte at {@code at}. */
    static int u8(byte[] b, int at) {
        return b[at] & 0xFF;
    }

    /** The little-endian f16 at {@code at}, as f32. */
    static float f16(byte[] b, int at) {
        return Fp.f16ToF32((short) (b[at] & 0xFF | b[at + 1] << 8));
    }

    /** Stores {@code f} as a little-endian f16 at {@code at}, rounded as ggml rounds. */
    static void putF16(byte[] b, int at, float f) {
        short h = Fp.f32ToF16(f);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >>> 8);
    }

    /**
     * Packs 128 levels of two bits from {@code l[lo]} into 32 bytes from {@code b[at]}: byte k
     * holds levels k, k+32, k+64 and k+96 from its low bits up (Q2_K, Q3_K).
     */
    static void putCrumbs(byte[] l, int lo, byte[] b, int at) {
        for (int k = 0; k < 32; k++) {
            b[at + k] = (byte) (l[lo + k] | l[lo + k + 32] << 2 | l[lo + k + 64] << 4 | l[lo + k + 96] << 6);
        }
    }
}
