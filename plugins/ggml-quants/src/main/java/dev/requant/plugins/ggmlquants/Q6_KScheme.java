package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q6_k} scheme; rows that are not whole blocks of 256 fall back to q8_0, as in llama.cpp. */
@Extension
public final class Q6_KScheme extends GgmlBlockScheme {
    public Q6_KScheme() {
        super(GgmlType.Q6_K, GgmlType.Q8_0);
    }
}
