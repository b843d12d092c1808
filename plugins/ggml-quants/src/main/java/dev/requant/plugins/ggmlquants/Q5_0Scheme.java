package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q5_0} scheme. */
@Extension
public final class Q5_0Scheme extends GgmlBlockScheme {
    public Q5_0Scheme() {
        super(GgmlType.Q5_0);
    }
}
