package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q2_k} scheme; rows that are not whole blocks of 256 fall back to q4_0, as in llama.cpp. */
@Extension
public final class Q2_KScheme extends GgmlBlockScheme {
    public Q2_KScheme() {
        super(GgmlType.Q2_K, GgmlType.Q4_0);
    }
}
