package dev.requant.plugins.bnb;

import dev.requant.spi.ElementType;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;

/**
 * An LLM.int8 weight ({@code Linear8bitLt} saved without fp16 weights), its parts checked:
 * {@code weight} I8 {@code [out, in]} (stored as {@code P.weight}), {@code SCB} F32 {@code [out]},
 * each row's absmax (stored as {@code P.SCB}), and optionally {@code weight_format}, a U8 scalar
 * (stored as {@code P.weight_format}) that must be 0, "row": the tiled GPU layouts of very old
 * checkpoints (col32, col_turing, col_ampere) are refused, as bitsandbytes itself refuses them.
 */
record Int8Tensor(TensorPart weight, TensorPart scb) {
    static final String WEIGHT = "weight";
    static final String SCB = "SCB";
    static final String WEIGHT_FORMAT = "weight_format";
    /** The roles in the order a tensor lists its parts. */
    static final List<String> ROLES = List.of(WEIGHT, SCB, WEIGHT_FORMAT);
    private static final List<String> FORMATS = List.of("row", "col32", "col_turing", "col_ampere");

    /**
     * Checks a tensor of the encoding {@code bnb_int8}.
     *
     * @throws IllegalArgumentException saying what is missing or does not agree
     */
    static Int8Tensor of(StoredTensor t) {
        TensorPart weight = Parts.find(t, WEIGHT).orElseThrow(() -> new IllegalArgumentException("it has no int8 weight"));
        if (weight.spec().dtype() != ElementType.I8 || weight.spec().shape().rank() != 2) {
            throw new IllegalArgumentException("its weight is " + Parts.describe(weight) + ", but LLM.int8 stores I8 [out, in]");
        }
        if (!weight.spec().shape().equals(t.info().shape())) {
            throw new IllegalArgumentException("its weight is " + Parts.describe(weight) + ", not " + t.info().shape());
        }
        TensorPart scb = Parts.find(t, SCB).orElseThrow(() -> new IllegalArgumentException(
                "it has no SCB, the row scales of its int8 codes"));
        long rows = weight.spec().shape().dim(0);
        if (scb.spec().dtype() != ElementType.F32 || scb.spec().shape().numel() != rows) {
            throw new IllegalArgumentException("its SCB is " + Parts.describe(scb) + ", but its " + rows
                    + " rows need F32 [" + rows + "]");
        }
        Optional<TensorPart> format = Parts.find(t, WEIGHT_FORMAT);
        if (format.isPresent()) {
            TensorPart f = format.get();
            if ((f.spec().dtype() != ElementType.U8 && f.spec().dtype() != ElementType.I8) || f.spec().shape().numel() != 1) {
                throw new IllegalArgumentException("its weight_format is " + Parts.describe(f) + ", bitsandbytes writes one U8");
            }
            int value = f.data().get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
            if (value != 0) {
                throw new IllegalArgumentException("its weight_format is " + value + (value < FORMATS.size()
                        ? " (" + FORMATS.get(value) + ", a tiled GPU layout)" : "") + ": only 0 (row) is readable;"
                        + " bitsandbytes refuses the others too, re-save the model with a current bitsandbytes");
            }
        }
        return new Int8Tensor(weight, scb);
    }
}
