package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code tq2_0} scheme (ternary); rows that are not whole blocks of 256 fall back to q4_0, as in llama.cpp. */
@Extension
public final class Tq2_0Scheme extends GgmlBlockScheme {
    public Tq2_0Scheme() {
        super(GgmlType.TQ2_0, GgmlType.Q4_0);
    }
}
