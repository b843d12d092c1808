package dev.requant.plugins.bnb;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import org.pf4j.Extension;

/** {@code bnb_fp4}: bitsandbytes' own 4-bit float (sign bit 3, code 8 is -0), not OCP's E2M1. */
@Extension
public final class BnbFp4Scheme extends BnbFourBitScheme {
    public BnbFp4Scheme() {
        this(Kernels.bnb());
    }

    BnbFp4Scheme(BnbKernels kernels) {
        super(FourBitCode.FP4, kernels);
    }
}
