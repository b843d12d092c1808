package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The scalar reference of a type whose blocks ggml quantizes by searching each group (sub-block)
 * for its scale and then finishing the block from the groups' results: Q2_K to Q6_K, IQ4_NL,
 * IQ4_XS.
 *
 * <p>NaNs are read as the x86 default NaN ({@code 0xFFC00000}, what invalid operations make).
 * ggml's searches let NaNs meet in additions and multiplications, and which of two NaNs such an
 * operation keeps is its compiler's choice (Java's JIT's here), which then reaches the levels
 * through {@code nearest_int}; with one NaN pattern there is no choice to make. Finite values,
 * infinities and NaNs that already have that pattern give ggml's bytes.
 */
abstract class GroupFitCodec extends AbstractBlockCodec {
    static final float DEFAULT_NAN = Float.intBitsToFloat(0xFFC00000);

    final int groups;
    final int groupSize;
    /** Where the block's f16 scales are. */
    final int[] halves;

    GroupFitCodec(GgmlType type, int groups, int groupSize, int... halves) {
        super(type);
        this.groups = groups;
        this.groupSize = groupSize;
        this.halves = halves;
    }

    @Override
    final void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        int n = type().blockSize();
        float[] values = x;
        int at = o;
        if (!Scan.allFinite(x, o, n)) {
            values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = Float.isNaN(x[o + i]) ? DEFAULT_NAN : x[o + i];
            }
            at = 0;
        }
        GroupFits fits = GroupFits.scalar(groups, groupSize);
        fit(values, at, groups, fits);
        finish(values, at, fits, 0, y, p, LevelPass.SCALAR);
    }

    /** Searches {@code count} groups from {@code x[o]}, one after another, into {@code fits} from group 0. */
    abstract void fit(float[] x, int o, int count, GroupFits fits);

    /**
     * The block at {@code x[o]} from its groups' fits (groups {@code g0} on), as ggml finishes it,
     * with {@code pass} for the values' levels or indexes.
     */
    abstract void finish(float[] x, int o, GroupFits fits, int g0, MemorySegment y, long p, LevelPass pass);
}
