package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code mxfp4} scheme (OCP microscaling FP4: E2M1 values, one E8M0 exponent per 32). */
@Extension
public final class Mxfp4Scheme extends GgmlBlockScheme {
    public Mxfp4Scheme() {
        super(GgmlType.MXFP4);
    }
}
