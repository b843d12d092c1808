package dev.requant.plugins.bnb;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A 4-bit bitsandbytes weight, its parts checked against each other and against its quant_state.
 * The parts, by role (bitsandbytes stores each as the tensor {@code WEIGHT.ROLE}, the packed codes
 * as {@code WEIGHT} itself and the quant_state as {@code WEIGHT.quant_state.bitsandbytes__nf4}):
 * <ul>
 *   <li>{@code weight}: the codes, two a byte, high nibble first, {@code ceil(n/2)} bytes of any
 *       element type ({@code bnb_4bit_quant_storage} may make it f16 or f32 words);</li>
 *   <li>{@code absmax}: one scale per block, F32, or U8 codes with double quantization;</li>
 *   <li>{@code quant_map}: the 16 code values, F32 (checked, but decoding uses the canonical
 *       table, as bitsandbytes' kernels do);</li>
 *   <li>{@code nested_absmax}, {@code nested_quant_map}: with double quantization only, F32 scales
 *       of the absmax codes and the 256-value map they index;</li>
 *   <li>{@code quant_state}: the JSON object, U8.</li>
 * </ul>
 */
record FourBitTensor(QuantState state, TensorPart weight, TensorPart absmax, Optional<TensorPart> nestedAbsmax,
                     Optional<TensorPart> nestedQuantMap) {
    static final String WEIGHT = "weight";
    static final String ABSMAX = "absmax";
    static final String QUANT_MAP = "quant_map";
    static final String NESTED_ABSMAX = "nested_absmax";
    static final String NESTED_QUANT_MAP = "nested_quant_map";
    static final String QUANT_STATE = "quant_state";
    /** The roles in the order a tensor lists its parts. */
    static final List<String> ROLES = List.of(WEIGHT, ABSMAX, QUANT_MAP, NESTED_ABSMAX, NESTED_QUANT_MAP, QUANT_STATE);
    /** Largest difference tolerated between a stored code value and the canonical one. */
    private static final float MAP_TOLERANCE = 1e-6f;

    /**
     * Checks a tensor of an encoding {@code bnb_nf4} or {@code bnb_fp4}.
     *
     * @throws IllegalArgumentException saying what is missing or does not agree, without the
     *                                  tensor's name
     */
    static FourBitTensor of(StoredTensor t) {
        QuantState state = QuantState.parse(Parts.find(t, QUANT_STATE).orElseThrow(() -> missing(t, QUANT_STATE))
                .data().toArray(ValueLayout.JAVA_BYTE));
        Encoding own = FourBitParams.of(state).encoding(BnbSchemeIds.fourBit(state.code()));
        if (!own.equals(t.info().type())) {
            throw new IllegalArgumentException("its quant_state describes " + own.id() + ", not " + t.info().type().id());
        }
        if (!state.shape().equals(t.info().shape())) {
            throw new IllegalArgumentException("its quant_state's shape " + state.shape() + " is not the tensor's "
                    + t.info().shape());
        }
        TensorPart weight = Parts.find(t, WEIGHT).orElseThrow(() -> missing(t, WEIGHT));
        long packedBytes = QuantState.ceilDiv(state.values(), 2);
        if (weight.spec().byteSize() != packedBytes) {
            throw new IllegalArgumentException("its packed weight " + Parts.describe(weight) + " holds "
                    + weight.spec().byteSize() + " bytes, but the shape " + state.shape() + " in its quant_state needs "
                    + packedBytes + " (two 4-bit codes a byte)");
        }
        boolean nested = state.nested().isPresent();
        Optional<TensorPart> nestedAbsmax = Parts.find(t, NESTED_ABSMAX);
        Optional<TensorPart> nestedQuantMap = Parts.find(t, NESTED_QUANT_MAP);
        if (!nested && (nestedAbsmax.isPresent() || nestedQuantMap.isPresent())) {
            throw new IllegalArgumentException("it has " + (nestedAbsmax.isPresent() ? NESTED_ABSMAX : NESTED_QUANT_MAP)
                    + ", but its quant_state has no nested_offset: is it double-quantized or not?");
        }
        TensorPart absmax = Parts.find(t, ABSMAX).orElseThrow(() -> missing(t, ABSMAX));
        ElementType absmaxType = nested ? ElementType.U8 : ElementType.F32;
        if (absmax.spec().dtype() != absmaxType) {
            throw new IllegalArgumentException("its absmax is " + Parts.describe(absmax) + ", but " + (nested
                    ? "with double quantization (nested_offset in its quant_state) bitsandbytes stores U8 codes"
                    : "without double quantization (no nested_offset in its quant_state) bitsandbytes stores F32 scales"));
        }
        checkCount(absmax, state.blocks(), state.values() + " values in blocks of " + state.blockSize());
        checkQuantMap(state.code(), Parts.find(t, QUANT_MAP).orElseThrow(() -> missing(t, QUANT_MAP)));
        if (nested) {
            int nestedBlock = state.nested().get().blockSize();
            TensorPart scales = nestedAbsmax.orElseThrow(() -> missing(t, NESTED_ABSMAX));
            checkF32(scales);
            checkCount(scales, QuantState.ceilDiv(state.blocks(), nestedBlock),
                    state.blocks() + " absmax codes in blocks of " + nestedBlock);
            TensorPart map = nestedQuantMap.orElseThrow(() -> missing(t, NESTED_QUANT_MAP));
            checkF32(map);
            checkCount(map, 256, "8-bit codes");
        }
        return new FourBitTensor(state, weight, absmax, nestedAbsmax, nestedQuantMap);
    }

    private static IllegalArgumentException missing(StoredTensor t, String role) {
        String stored = role.equals(QUANT_STATE) ? "quant_state.bitsandbytes__nf4 or __fp4" : role;
        return new IllegalArgumentException("it has no " + role + " (no tensor " + t.info().name() + "." + stored + ")");
    }

    private static void checkF32(TensorPart p) {
        if (p.spec().dtype() != ElementType.F32) {
            throw new IllegalArgumentException("its " + p.role() + " is " + Parts.describe(p) + ", bitsandbytes stores it as F32");
        }
    }

    private static void checkCount(TensorPart p, long expected, String forWhat) {
        long n = p.spec().shape().numel();
        if (n != expected) {
            throw new IllegalArgumentException("its " + p.role() + " " + Parts.describe(p) + " holds " + n + " values, but "
                    + forWhat + " need " + expected);
        }
    }

    /** The stored map must be the code table the quant_type names. */
    private static void checkQuantMap(FourBitCode code, TensorPart map) {
        checkF32(map);
        checkCount(map, 16, "16 4-bit codes");
        for (int c = 0; c < 16; c++) {
            float stored = map.data().get(Layouts.F32, 4L * c);
            if (!(Math.abs(stored - code.value(c)) <= MAP_TOLERANCE)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "its quant_map is not the %s table: code %d"
                        + " is %s where %s has %s", code.name().toLowerCase(Locale.ROOT), c, stored,
                        code.name().toLowerCase(Locale.ROOT), code.value(c)));
            }
        }
    }
}
