package dev.requant.plugins.bnb;

import dev.requant.kernels.bnb.FourBitCode;
import java.util.Locale;

/** The ids of bitsandbytes' schemes: {@code bnb_nf4}, {@code bnb_fp4} and {@code bnb_int8}. */
final class BnbSchemeIds {
    static final String INT8 = "bnb_int8";

    private BnbSchemeIds() {
    }

    /** {@code bnb_nf4} or {@code bnb_fp4}: prefixed, as other formats have FP4 types of their own. */
    static String fourBit(FourBitCode code) {
        return "bnb_" + code.name().toLowerCase(Locale.ROOT);
    }
}
