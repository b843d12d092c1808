package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q4_0} scheme. */
@Extension
public final class Q4_0Scheme extends GgmlBlockScheme {
    public Q4_0Scheme() {
        super(GgmlType.Q4_0);
    }
}
