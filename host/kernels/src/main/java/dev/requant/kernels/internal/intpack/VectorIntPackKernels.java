package dev.requant.kernels.internal.intpack;

import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarIntPackKernels}, bit for bit. Unpacking puts one field per
 * lane: a vector of words is permuted so that each lane holds the word (and, for fields that
 * cross words, the next word) its field lies in, then shifted per lane and masked. The pattern of
 * word indexes and shifts repeats every {@link Pattern#fields} fields, so it is computed once per
 * packing. The arithmetic is lane-wise {@code (float) (code - zero) * scale}, the scalar formula,
 * with zeros and scales broadcast per group or gathered through the group indexes.
 */
public final class VectorIntPackKernels implements IntPackKernels {
    public static final VectorIntPackKernels INSTANCE = new VectorIntPackKernels();

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = I.length();
    /** Bytes of one or more int vectors: at least 128 bits, as no narrower byte vector exists. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(128, I.vectorBitSize() / 4)));
    private static final int BYTE_PARTS = B.length() / L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Patterns by [crossesWords ? 1 : 0][bits]; null where a vector's fields span more words than it has lanes. */
    private static final Pattern[][] PATTERNS = new Pattern[2][9];

    static {
        for (int bits = 1; bits <= 8; bits++) {
            PATTERNS[0][bits] = Pattern.of(IntPacking.wordAligned(bits));
            if (32 % bits != 0) {
                PATTERNS[1][bits] = Pattern.of(IntPacking.stream(bits));
            }
        }
    }

    private static final ScalarIntPackKernels TAIL = ScalarIntPackKernels.INSTANCE;

    private VectorIntPackKernels() {
    }

    /**
     * Where the fields of each vector of one packing are: the vectors starting at fields
     * {@code 0, L, 2L, ...} of a run of {@code fields} fields that fills {@code words} whole words.
     */
    private record Pattern(int fields, int words, int[] firstWord, VectorShuffle<Integer>[] low,
                           VectorShuffle<Integer>[] high, int[][] shift, int[][] highShift) {
        @SuppressWarnings("unchecked")
        static Pattern of(IntPacking p) {
            int fields = lcm(p.period(), L);
            int vectors = fields / L;
            int[] firstWord = new int[vectors];
            VectorShuffle<Integer>[] low = new VectorShuffle[vectors];
            VectorShuffle<Integer>[] high = new VectorShuffle[vectors];
            int[][] shift = new int[vectors][L];
            int[][] highShift = new int[vectors][L];
            for (int v = 0; v < vectors; v++) {
                firstWord[v] = (int) (p.bitOf((long) v * L) >>> 5);
                int[] lo = new int[L];
                int[] hi = new int[L];
                for (int l = 0; l < L; l++) {
                    long pos = p.bitOf((long) v * L + l) - 32L * firstWord[v];
                    lo[l] = (int) (pos >>> 5);
                    hi[l] = p.crossesWords() ? lo[l] + 1 : lo[l];
                    if (hi[l] >= L) {
                        return null;
                    }
                    shift[v][l] = (int) (pos & 31);
                    // the next word's bits go above the 32 - shift bits taken from this word; done as
                    // 1 + (31 - shift) because a shift by 32 would shift by 0
                    highShift[v][l] = 31 - shift[v][l];
                }
                low[v] = VectorShuffle.fromArray(I, lo, 0);
                high[v] = VectorShuffle.fromArray(I, hi, 0);
            }
            return new Pattern(fields, (int) (p.bitOf(fields) >>> 5), firstWord, low, high, shift, highShift);
        }

        private static int lcm(int a, int b) {
            int x = a;
            int y = b;
            while (y != 0) {
                int t = x % y;
                x = y;
                y = t;
            }
            return a / x * b;
        }
    }

    @Override
    public void unpack(IntPacking packing, int[] words, int first, int count, int[] codes, int codesOffset) {
        Pattern pattern = PATTERNS[packing.crossesWords() ? 1 : 0][packing.bits()];
        int i = 0;
        if (pattern != null) {
            // fields before the first vector boundary
            int lead = Math.min(count, Math.floorMod(-first, L));
            TAIL.unpack(packing, words, first, lead, codes, codesOffset);
            i = lead;
            IntVector mask = IntVector.broadcast(I, packing.mask());
            for (; i <= count - L; i += L) {
                int field = first + i;
                int run = field / pattern.fields;
                int v = field % pattern.fields / L;
                int base = run * pattern.words + pattern.firstWord[v];
                if (base > words.length - L) {
                    break;
                }
                IntVector w = IntVector.fromArray(I, words, base);
                IntVector value = w.rearrange(pattern.low[v])
                        .lanewise(VectorOperators.LSHR, IntVector.fromArray(I, pattern.shift[v], 0));
                if (packing.crossesWords()) {
                    value = value.or(w.rearrange(pattern.high[v]).lanewise(VectorOperators.LSHL, 1)
                            .lanewise(VectorOperators.LSHL, IntVector.fromArray(I, pattern.highShift[v], 0)));
                }
                value.and(mask).intoArray(codes, codesOffset + i);
            }
        }
        TAIL.unpack(packing, words, first + i, count - i, codes, codesOffset + i);
    }

    @Override
    public void unpackAcross(int bits, int[] words, int count, int[] order, int[] codes, int codesOffset,
                             int stride) {
        int k = 0;
        for (; k <= count - L; k += L) {
            IntVector w = IntVector.fromArray(I, words, k);
            for (int f = 0; f < order.length; f++) {
                w.lanewise(VectorOperators.LSHR, f * bits).and((1 << bits) - 1)
                        .intoArray(codes, codesOffset + order[f] * stride + k);
            }
        }
        for (; k < count; k++) {
            int w = words[k];
            for (int f = 0; f < order.length; f++) {
                codes[codesOffset + order[f] * stride + k] = (w >>> (f * bits)) & ((1 << bits) - 1);
            }
        }
    }

    @Override
    public void dequantGroups(int[] codes, int codesOffset, int count, int groupSize, int[] zeros, float[] scales,
                              float[] dst, int dstOffset) {
        for (int start = 0; start < count; start += groupSize) {
            int g = start / groupSize;
            int end = (int) Math.min(count, (long) start + groupSize);
            int zero = zeros[g];
            float scale = scales[g];
            IntVector z = IntVector.broadcast(I, zero);
            int i = start;
            for (; i <= end - L; i += L) {
                ((FloatVector) IntVector.fromArray(I, codes, codesOffset + i).sub(z)
                        .convert(VectorOperators.I2F, 0)).mul(scale).intoArray(dst, dstOffset + i);
            }
            for (; i < end; i++) {
                dst[dstOffset + i] = (float) (codes[codesOffset + i] - zero) * scale;
            }
        }
    }

    @Override
    public void dequantIndexed(int[] codes, int codesOffset, int count, int[] groups, int groupsOffset, int[] zeros,
                               float[] scales, float[] dst, int dstOffset) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector z = IntVector.fromArray(I, zeros, 0, groups, groupsOffset + i);
            FloatVector s = FloatVector.fromArray(F, scales, 0, groups, groupsOffset + i);
            ((FloatVector) IntVector.fromArray(I, codes, codesOffset + i).sub(z)
                    .convert(VectorOperators.I2F, 0)).mul(s).intoArray(dst, dstOffset + i);
        }
        TAIL.dequantIndexed(codes, codesOffset + i, count - i, groups, groupsOffset + i, zeros, scales, dst,
                dstOffset + i);
    }

    @Override
    public void widenI8(MemorySegment src, long srcOffset, int[] codes, int codesOffset, int count) {
        int i = 0;
        for (; i <= count - B.length(); i += B.length()) {
            ByteVector b = ByteVector.fromMemorySegment(B, src, srcOffset + i, LE);
            for (int part = 0; part < BYTE_PARTS; part++) {
                ((IntVector) b.convertShape(VectorOperators.B2I, I, part)).intoArray(codes, codesOffset + i + part * L);
            }
        }
        TAIL.widenI8(src, srcOffset + i, codes, codesOffset + i, count - i);
    }
}
