package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q5_k} scheme; rows that are not whole blocks of 256 fall back to q5_1, as in llama.cpp. */
@Extension
public final class Q5_KScheme extends GgmlBlockScheme {
    public Q5_KScheme() {
        super(GgmlType.Q5_K, GgmlType.Q5_1);
    }
}
