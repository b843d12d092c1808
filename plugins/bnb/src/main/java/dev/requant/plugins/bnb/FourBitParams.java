package dev.requant.plugins.bnb;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of the 4-bit encodings {@code bnb_nf4} and {@code bnb_fp4}:
 * {@code block} (values per absmax block, default 64), {@code double_quant} (whether the absmax
 * values are themselves quantized, default false) and {@code dtype} (f16, bf16 or f32: the weight's
 * type before quantization, which bitsandbytes dequantizes to; default f16). For example
 * {@code bnb_nf4{block:64,double_quant:true,dtype:bf16}}. The nested block size (always 256 in
 * bitsandbytes) and the nested offset are per tensor and live in its quant_state.
 */
record FourBitParams(int block, boolean doubleQuant, ElementType dtype) {
    static final String BLOCK = "block";
    static final String DOUBLE_QUANT = "double_quant";
    static final String DTYPE = "dtype";
    private static final Set<String> KEYS = Set.of(BLOCK, DOUBLE_QUANT, DTYPE);

    FourBitParams {
        if (block <= 0) {
            throw new IllegalArgumentException(BLOCK + " must be a positive integer, got " + block);
        }
        if (dtype != ElementType.F16 && dtype != ElementType.BF16 && dtype != ElementType.F32) {
            throw new IllegalArgumentException(DTYPE + " must be f16, bf16 or f32, got " + dtype);
        }
    }

    /** The parameters of a quant_state. */
    static FourBitParams of(QuantState state) {
        return new FourBitParams(state.blockSize(), state.nested().isPresent(), state.dtype());
    }

    /**
     * Parses written parameters, filling in defaults.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or wrong
     */
    static FourBitParams parse(String scheme, Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(scheme + " has no parameter '" + key + "' (it has block, double_quant"
                        + " and dtype)");
            }
        }
        int block;
        try {
            block = Integer.parseInt(params.getOrDefault(BLOCK, "64"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(scheme + ": " + BLOCK + " must be a positive integer, got '"
                    + params.get(BLOCK) + "'");
        }
        String dq = params.getOrDefault(DOUBLE_QUANT, "false");
        if (!dq.equals("true") && !dq.equals("false")) {
            throw new IllegalArgumentException(scheme + ": " + DOUBLE_QUANT + " must be true or false, got '" + dq + "'");
        }
        String dtype = params.getOrDefault(DTYPE, "f16");
        try {
            return new FourBitParams(block, dq.equals("true"), ElementType.byId(dtype).orElseThrow(
                    () -> new IllegalArgumentException(DTYPE + " must be f16, bf16 or f32, got '" + dtype + "'")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(scheme + ": " + e.getMessage(), e);
        }
    }

    Encoding encoding(String scheme) {
        return new Encoding(scheme, Map.of(BLOCK, Integer.toString(block), DOUBLE_QUANT, Boolean.toString(doubleQuant),
                DTYPE, dtype.id()));
    }
}
