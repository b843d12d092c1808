package dev.requant.plugins.awq;

import dev.requant.plugins.support.AwqPacking;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of the {@code awq} encoding, e.g. {@code awq{bits:4,group:128,version:gemm}}.
 * AutoAWQ packs only 4-bit codes with zero points ({@code zero_point: true}).
 *
 * @param bits    4
 * @param group   input columns per group of scales and zero points; divides the input width
 * @param version the packing: {@code gemm} (AutoAWQ's default; also what transformers' exllama
 *                and ipex versions store) or {@code gemv}
 */
record AwqParams(int bits, int group, Version version) {
    static final String SCHEME = "awq";
    private static final Set<String> KEYS = Set.of("bits", "group", "version");

    /** AWQ's two packings of 4-bit codes in int32. */
    enum Version {
        /** qweight {@code [in, out/8]}, eight output columns per word in the order 0,2,4,6,1,3,5,7. */
        GEMM,
        /** qweight {@code [out, in/8]}, eight input columns per word in order. */
        GEMV;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    AwqParams {
        if (bits != 4) {
            throw new IllegalArgumentException("bits: " + bits + " is not 4 (AWQ packs 4-bit codes only)");
        }
        if (group <= 0) {
            throw new IllegalArgumentException("group: " + group + " is not positive");
        }
    }

    /**
     * Parses encoding parameters; absent ones take the defaults {@code bits:4, group:128, version:gemm}.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or malformed
     */
    static AwqParams of(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("awq has no parameter '" + key + "' (parameters: bits, group, version)");
            }
        }
        return new AwqParams(integer(params, "bits", 4), integer(params, "group", 128),
                version(params.getOrDefault("version", "gemm")));
    }

    /** The parameters of a tensor whose type is an {@code awq} encoding. */
    static AwqParams of(TensorInfo tensor) {
        if (!(tensor.type() instanceof Encoding e) || !e.scheme().equals(SCHEME)) {
            throw new IllegalArgumentException(tensor.name() + " is " + tensor.type().id() + ", not awq");
        }
        return of(e.params());
    }

    Encoding encoding() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bits", Integer.toString(bits));
        p.put("group", Integer.toString(group));
        p.put("version", version.id());
        return new Encoding(SCHEME, p);
    }

    /** Groups of {@code in} input columns. */
    int groups(long in) {
        return Math.toIntExact((in + group - 1) / group);
    }

    /**
     * Zero-point words per output row of the GEMV packing (AutoAWQ's {@code calculate_zeros_width}):
     * the groups in words of 8, rounded up to a multiple of 4 words for groups of 32, of 2 for 64.
     */
    int gemvZeroWords(long in) {
        return AwqPacking.gemvZeroWords(in / group, group).orElseThrow(() -> new IllegalArgumentException(
                "AWQ's GEMV packing has no zero-point width for groups of " + group + " (32, 64 or 128 and more)"));
    }

    private static int integer(Map<String, String> params, String key, int fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not an integer");
        }
    }

    private static Version version(String v) {
        return switch (v) {
            case "gemm" -> Version.GEMM;
            case "gemv" -> Version.GEMV;
            default -> throw new IllegalArgumentException("version: '" + v + "' is neither gemm nor gemv");
        };
    }
}
