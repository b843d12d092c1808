package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q4_k} scheme; rows that are not whole blocks of 256 fall back to q5_0, as in llama.cpp. */
@Extension
public final class Q4_KScheme extends GgmlBlockScheme {
    public Q4_KScheme() {
        super(GgmlType.Q4_K, GgmlType.Q5_0);
    }
}
