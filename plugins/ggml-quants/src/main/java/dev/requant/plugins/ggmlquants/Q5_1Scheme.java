package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code q5_1} scheme. */
@Extension
public final class Q5_1Scheme extends GgmlBlockScheme {
    public Q5_1Scheme() {
        super(GgmlType.Q5_1);
    }
}
