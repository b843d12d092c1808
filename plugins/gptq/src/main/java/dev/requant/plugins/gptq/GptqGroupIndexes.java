package dev.requant.plugins.gptq;

import dev.requant.kernels.intpack.Words;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.util.Optional;

/** GPTQ's {@code g_idx}: the group of every input column, which act-order scatters. */
final class GptqGroupIndexes {
    private GptqGroupIndexes() {
    }

    /**
     * The stored {@code g_idx}, or null when groups are consecutive runs of {@code groupSize}
     * columns (no act-order, or no {@code g_idx} stored: very old files), which decode faster.
     */
    static int[] scattered(StoredTensor source, int in, int groupSize) {
        Optional<TensorPart> part = source.parts().stream().filter(x -> x.role().equals(GptqParts.G_IDX)).findFirst();
        if (part.isEmpty()) {
            return null;
        }
        int[] g = new int[in];
        Words.read(part.get().data(), 0, g, 0, in);
        for (int i = 0; i < in; i++) {
            if (g[i] != i / groupSize) {
                return g;
            }
        }
        return null;
    }
}
