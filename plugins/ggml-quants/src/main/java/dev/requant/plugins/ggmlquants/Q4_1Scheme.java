package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q4_1} scheme. */
@Extension
public final class Q4_1Scheme extends GgmlBlockScheme {
    public Q4_1Scheme() {
        super(GgmlType.Q4_1);
    }
}
