package dev.requant.plugins.bnb;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import org.pf4j.Extension;

/** {@code bnb_nf4}: bitsandbytes NormalFloat4. */
@Extension
public final class BnbNf4Scheme extends BnbFourBitScheme {
    public BnbNf4Scheme() {
        this(Kernels.bnb());
    }

    BnbNf4Scheme(BnbKernels kernels) {
        super(FourBitCode.NF4, kernels);
    }
}
