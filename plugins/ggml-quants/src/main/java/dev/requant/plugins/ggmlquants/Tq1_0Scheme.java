package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code tq1_0} scheme (ternary); rows that are not whole blocks of 256 fall back to q4_0, as in llama.cpp. */
@Extension
public final class Tq1_0Scheme extends GgmlBlockScheme {
    public Tq1_0Scheme() {
        super(GgmlType.TQ1_0, GgmlType.Q4_0);
    }
}
