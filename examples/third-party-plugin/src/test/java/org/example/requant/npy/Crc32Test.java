package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class Crc32Test {
    @Test
    void combiningTwoRunsGivesTheCrcOfBoth() {
        Random r = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            byte[] all = new byte[r.nextInt(5000)];
            r.nextBytes(all);
            int split = all.length == 0 ? 0 : r.nextInt(all.length + 1);
            MemorySegment s = MemorySegment.ofArray(all);
            int a = Crc32.of(s.asSlice(0, split));
            int b = Crc32.of(s.asSlice(split));

            assertThat(Crc32.combine(a, b, all.length - split)).as("split %d of %d", split, all.length)
                    .isEqualTo(reference(all));
        }
    }

    @Test
    void combiningManyChunksInOrderGivesTheWholeCrc() {
        byte[] all = new byte[1 << 20];
        new Random(11).nextBytes(all);
        MemorySegment s = MemorySegment.ofArray(all);
        int crc = Crc32.of(new byte[0]);
        for (int off = 0; off < all.length; off += 4093) {
            int len = Math.min(4093, all.length - off);
            crc = Crc32.combine(crc, Crc32.of(s.asSlice(off, len)), len);
        }
        assertThat(crc).isEqualTo(reference(all));
    }

    /** Lengths beyond an int use the high bits of the exponent, here with a run of zeros. */
    @Test
    void combinesALongRunOfZeros() {
        byte[] zeros = new byte[3 << 20];
        int whole = reference(zeros);
        int third = Crc32.of(MemorySegment.ofArray(zeros).asSlice(0, zeros.length / 3));
        int twoThirds = Crc32.of(MemorySegment.ofArray(zeros).asSlice(0, 2 * zeros.length / 3));

        assertThat(Crc32.combine(third, twoThirds, 2L * zeros.length / 3)).isEqualTo(whole);
        assertThat(Crc32.combine(0x12345678, Crc32.of(new byte[0]), 0)).isEqualTo(0x12345678);
    }

    private static int reference(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return (int) c.getValue();
    }
}
