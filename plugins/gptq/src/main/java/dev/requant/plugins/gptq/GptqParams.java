package dev.requant.plugins.gptq;

import dev.requant.spi.Encoding;
import dev.requant.spi.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of the {@code gptq} encoding, e.g.
 * {@code gptq{bits:4,desc_act:true,format:v1,group:128,sym:false}}.
 *
 * @param bits    2, 3, 4 or 8 bits per code
 * @param group   input columns per group of scales and zero points; -1 for one group per row
 * @param sym     symmetric quantization (the zero point is {@code 2^(bits-1)}); decoding reads
 *                the stored zero points either way
 * @param descAct act-order: {@code g_idx} scatters the groups over the input columns (as read from
 *                the data: act-order with static groups leaves them in runs)
 * @param format  how zero points are stored: {@code v1} ({@code checkpoint_format: gptq}, stored
 *                minus one) or {@code v2} ({@code gptq_v2}, stored as they are)
 * @param pad     when encoding, whether a row length that is no multiple of the group may end in a
 *                partial last group (GPTQModel's ceil groups: its scales, zero points and
 *                {@code g_idx} cover the short group, {@code qweight} the real columns only);
 *                exllama-style loaders refuse such tensors, so it is asked for explicitly. Named
 *                in the encoding only when true.
 */
record GptqParams(int bits, int group, boolean sym, boolean descAct, Format format, boolean pad) {
    static final String SCHEME = "gptq";
    private static final Set<String> KEYS = Set.of("bits", "group", "sym", "desc_act", "format", "pad");

    enum Format {
        V1, V2;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    GptqParams {
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits: " + bits + " is not one of 2, 3, 4, 8");
        }
        if (group == 0 || group < -1) {
            throw new IllegalArgumentException("group: " + group + " is neither -1 nor positive");
        }
    }

    /**
     * Parses encoding parameters; absent ones take the defaults {@code bits:4, group:128, sym:true,
     * desc_act:false, format:v1, pad:false}.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or malformed
     */
    static GptqParams of(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("gptq has no parameter '" + key + "' (parameters: bits, group, sym,"
                        + " desc_act, format, pad)");
            }
        }
        return new GptqParams(integer(params, "bits", 4), integer(params, "group", 128), bool(params, "sym", true),
                bool(params, "desc_act", false), format(params.getOrDefault("format", "v1")),
                bool(params, "pad", false));
    }

    /** The parameters of a tensor whose type is a {@code gptq} encoding. */
    static GptqParams of(TensorInfo tensor) {
        if (!(tensor.type() instanceof Encoding e) || !e.scheme().equals(SCHEME)) {
            throw new IllegalArgumentException(tensor.name() + " is " + tensor.type().id() + ", not gptq");
        }
        return of(e.params());
    }

    Encoding encoding() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bits", Integer.toString(bits));
        p.put("group", Integer.toString(group));
        p.put("sym", Boolean.toString(sym));
        p.put("desc_act", Boolean.toString(descAct));
        p.put("format", format.id());
        if (pad) {
            p.put("pad", "true");
        }
        return new Encoding(SCHEME, p);
    }

    /** Input columns per group for rows of {@code in} columns. */
    int groupSize(int in) {
        return group == -1 ? in : group;
    }

    /** The largest code, {@code 2^bits - 1}. */
    int maxq() {
        return (1 << bits) - 1;
    }

    /** Groups of scales and zero points for {@code in} input columns. */
    int groups(long in) {
        return group == -1 ? 1 : Math.toIntExact((in + group - 1) / group);
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

    private static boolean bool(Map<String, String> params, String key, boolean fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + ": '" + v + "' is neither true nor false");
        };
    }

    private static Format format(String v) {
        return switch (v) {
            case "v1" -> Format.V1;
            case "v2" -> Format.V2;
            default -> throw new IllegalArgumentException("format: '" + v + "' is neither v1 nor v2");
        };
    }
}
