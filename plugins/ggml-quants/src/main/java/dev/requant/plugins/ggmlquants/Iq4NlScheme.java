package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code iq4_nl} scheme, as {@code ggml_quantize_chunk} makes it (its search with ntry = 7). */
@Extension
public final class Iq4NlScheme extends GgmlBlockScheme {
    public Iq4NlScheme() {
        super(GgmlType.IQ4_NL);
    }
}
