package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q3_k} scheme; rows that are not whole blocks of 256 fall back to q4_0, as in llama.cpp. */
@Extension
public final class Q3_KScheme extends GgmlBlockScheme {
    public Q3_KScheme() {
        super(GgmlType.Q3_K, GgmlType.Q4_0);
    }
}
