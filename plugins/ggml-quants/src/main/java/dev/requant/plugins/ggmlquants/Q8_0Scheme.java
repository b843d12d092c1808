package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q8_0} scheme. */
@Extension
public final class Q8_0Scheme extends GgmlBlockScheme {
    public Q8_0Scheme() {
        super(GgmlType.Q8_0);
    }
}
