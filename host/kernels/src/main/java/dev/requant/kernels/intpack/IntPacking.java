package dev.requant.kernels.intpack;

/**
 * How unsigned {@code bits}-bit fields sit in little-endian 32-bit words: field 0 in the lowest
 * bits of word 0, each next field above the previous one (LSB first).
 *
 * <ul>
 *   <li>{@link #stream(int)}: the words form one bit stream, so a field may start in one word and
 *       end in the next (GPTQ 3-bit: 32 fields in 3 words; MLX 3, 5, 6 bits).</li>
 *   <li>{@link #wordAligned(int)}: {@code 32 / bits} fields per word (rounded down), the remaining
 *       high bits unused (compressed-tensors and neural-compressor: 10 fields of 3 bits per word).</li>
 * </ul>
 * For bits that divide 32 (1, 2, 4, 8) both are the same packing, and equal.
 *
 * @param bits         field width, 1 to 8
 * @param crossesWords true when fields may straddle two words
 */
public record IntPacking(int bits, boolean crossesWords) {
    public IntPacking {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("fields of " + bits + " bits: 1 to 8 are supported");
        }
        if (crossesWords && 32 % bits == 0) {
            throw new IllegalArgumentException(bits + "-bit fields never cross a word boundary");
        }
    }

    /** Fields back to back across word boundaries. */
    public static IntPacking stream(int bits) {
        return new IntPacking(bits, bits >= 1 && 32 % bits != 0);
    }

    /** Whole fields per word, no field split between two words. */
    public static IntPacking wordAligned(int bits) {
        return new IntPacking(bits, false);
    }

    /** The largest field value, {@code 2^bits - 1}. */
    public int mask() {
        return (1 << bits) - 1;
    }

    /** Fields per word when they are word-aligned. */
    int fieldsPerWord() {
        return 32 / bits;
    }

    /** The position of field {@code i} in the words, in bits from bit 0 of word 0. */
    public long bitOf(long i) {
        return crossesWords ? i * bits : i / fieldsPerWord() * 32 + i % fieldsPerWord() * bits;
    }

    /** Words that hold {@code count} fields (the last one possibly partly used). */
    public long wordsFor(long count) {
        return (bitOf(count) + 31) >>> 5;
    }

    /** Fields after which the pattern of positions within words repeats. */
    public int period() {
        return crossesWords ? 32 : fieldsPerWord();
    }

    /** Field {@code i} of {@code words}. */
    public int field(int[] words, long i) {
        long pos = bitOf(i);
        int w = (int) (pos >>> 5);
        int shift = (int) (pos & 31);
        long v = words[w] & 0xFFFFFFFFL;
        if (shift + bits > 32) {
            v |= (words[w + 1] & 0xFFFFFFFFL) << 32;
        }
        return (int) (v >>> shift) & mask();
    }

    /**
     * Sets field {@code i} of {@code words} to the low {@code bits} bits of {@code value}, leaving
     * every other field as it is: the writing twin of {@link #field}.
     */
    public void put(int[] words, long i, int value) {
        long pos = bitOf(i);
        int w = (int) (pos >>> 5);
        int shift = (int) (pos & 31);
        long v = (long) (value & mask()) << shift;
        long keep = ~((long) mask() << shift);
        words[w] = (int) ((words[w] & keep) | v);
        if (shift + bits > 32) {
            words[w + 1] = (int) ((words[w + 1] & (keep >>> 32)) | (v >>> 32));
        }
    }
}
