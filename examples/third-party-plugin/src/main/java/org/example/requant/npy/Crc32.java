package org.example.requant.npy;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32;

/**
 * The CRC-32 of ZIP, and the CRC of two byte runs put end to end computed from their own CRCs.
 * Combining lets a sink checksum each chunk as it is written, from any thread and in any order,
 * and get a member's CRC at commit without reading its bytes back.
 *
 * <p>Why combining works: a CRC is the message as a polynomial over GF(2), times x^32, modulo the
 * generator P. Appending {@code n} bytes B to A multiplies A's contribution by x^(8n); the initial
 * and final inversions of CRC-32 cancel out, so {@code crc(A || B) = crc(A) * x^(8n) mod P xor
 * crc(B)}. Polynomials are held bit-reflected, as CRC-32 computes them: bit 31 is the
 * coefficient of x^0 and bit 0 that of x^31.
 */
final class Crc32 {
    /** P without its x^32 term, reflected. */
    private static final int POLY = 0xEDB88320;
    /** The polynomial 1, reflected. */
    private static final int ONE = 1 << 31;

    private Crc32() {
    }

    static int of(MemorySegment bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }

    static int of(byte[] bytes) {
        return of(MemorySegment.ofArray(bytes));
    }

    /** The CRC of A followed by B, from the CRC of A, the CRC of B and B's length in bytes. */
    static int combine(int crcA, int crcB, long lengthB) {
        return multiply(crcA, xPower8n(lengthB)) ^ crcB;
    }

    /** x^(8n) mod P, by squaring: x^8, x^16, x^32, ... multiplied in for each set bit of n. */
    private static int xPower8n(long n) {
        int result = ONE;
        int square = ONE >>> 8; // x^8
        for (long rest = n; rest != 0; rest >>>= 1) {
            if ((rest & 1) != 0) {
                result = multiply(result, square);
            }
            square = multiply(square, square);
        }
        return result;
    }

    /** a * b mod P: b * x^k summed over the terms x^k of a. */
    private static int multiply(int a, int b) {
        int product = 0;
        int term = b;
        for (int k = 0; k < 32; k++) {
            if ((a << k) < 0) { // bit 31 - k: the coefficient of x^k
                product ^= term;
            }
            term = timesX(term);
        }
        return product;
    }

    /** v * x mod P: a shift towards bit 0, folding x^32 back in as P. */
    private static int timesX(int v) {
        return (v & 1) != 0 ? (v >>> 1) ^ POLY : v >>> 1;
    }
}
