package dev.requant.plugins.inc;

import dev.requant.kernels.intpack.Words;
import dev.requant.spi.TensorPart;

/** neural-compressor's {@code g_idx} (act-order): the group of every input column, int32. */
final class IncGroupIndexes {
    private IncGroupIndexes() {
    }

    /** The groups of the first {@code in} input columns. */
    static int[] read(TensorPart gIdx, int in) {
        int[] g = new int[in];
        Words.read(gIdx.data(), 0, g, 0, in);
        return g;
    }
}
