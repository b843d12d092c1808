package dev.requant.plugins.ggmlquants;

import dev.requant.kernels.ggml.GgmlType;
import org.pf4j.Extension;

/** The {@code iq4_xs} scheme; rows that are not whole blocks of 256 fall back to iq4_nl, as in llama.cpp. */
@Extension
public final class Iq4XsScheme extends GgmlBlockScheme {
    public Iq4XsScheme() {
        super(GgmlType.IQ4_XS, GgmlType.IQ4_NL);
    }
}
