package dev.requant.plugins.inc;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of an {@code inc{...}} encoding, validated.
 *
 * @param optimum  the GPTQ-compatible export ({@code format:optimum}), else the native one
 * @param bits     bits per code, 1 to 8
 * @param group    values per group along the input, or -1 for one group per row
 * @param sym      symmetric: native exports then store signed codes and no zero points
 * @param actOrder a {@code g_idx} part gives each input column its group
 * @param scale    the element type of the scales
 * @param dim      native only: 1 when codes are packed along the input, 0 along the output
 * @param word     the element type of the packed words (i32 for the optimum format)
 */
record IncParams(boolean optimum, int bits, int group, boolean sym, boolean actOrder, ElementType scale, int dim,
                   ElementType word) {
    static final String OPTIMUM = "optimum";
    static final String NATIVE = "native";
    static final Set<ElementType> SCALE_TYPES = Set.of(ElementType.F16, ElementType.BF16, ElementType.F32);
    static final Set<ElementType> WORD_TYPES = Set.of(ElementType.I8, ElementType.I16, ElementType.I32, ElementType.I64);
    private static final Set<String> KEYS = Set.of("format", "bits", "group", "sym", "act_order", "scale", "dim", "word");

    IncParams {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("inc: bits " + bits + " is not 1 to 8");
        }
        if (group == 0 || group < -1) {
            throw new IllegalArgumentException("inc: group " + group + " is not positive or -1");
        }
        if (!SCALE_TYPES.contains(scale)) {
            throw new IllegalArgumentException("inc: scale " + scale + " is not f16, bf16 or f32");
        }
        if (!WORD_TYPES.contains(word) || optimum && word != ElementType.I32) {
            throw new IllegalArgumentException("inc: word " + word + " is not " + (optimum ? "i32, the optimum format's"
                    : "i8, i16, i32 or i64"));
        }
        if (dim != 0 && dim != 1 || optimum && dim != 1) {
            throw new IllegalArgumentException("inc: dim " + dim + " is not " + (optimum ? "1 (optimum packs the input)" : "0 or 1"));
        }
        if (8 * wordBytes(word) < bits) {
            throw new IllegalArgumentException("inc: " + bits + "-bit codes do not fit " + word + " words");
        }
    }

    static IncParams of(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("inc has no parameter '" + key + "' (" + String.join(", ", KEYS) + ")");
            }
        }
        String format = params.getOrDefault("format", OPTIMUM);
        if (!format.equals(OPTIMUM) && !format.equals(NATIVE)) {
            throw new IllegalArgumentException("inc: format '" + format + "' is not optimum or native");
        }
        boolean optimum = format.equals(OPTIMUM);
        return new IncParams(optimum, number(params, "bits", "4"), number(params, "group", "128"),
                bool(params, "sym", "true"), bool(params, "act_order", "false"),
                type(params, "scale", optimum ? "f16" : "f32"), number(params, "dim", "1"), type(params, "word", "i32"));
    }

    /** The written form: every parameter that applies to the format. */
    Encoding encoding() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("format", optimum ? OPTIMUM : NATIVE);
        p.put("bits", Integer.toString(bits));
        p.put("group", Integer.toString(group));
        p.put("sym", Boolean.toString(sym));
        p.put("act_order", Boolean.toString(actOrder));
        p.put("scale", scale.id());
        if (!optimum) {
            p.put("dim", Integer.toString(dim));
            p.put("word", word.id());
        }
        return new Encoding(IncScheme.ID, p);
    }

    /** Codes per packed word. */
    int perWord() {
        return 8 * wordBytes(word) / bits;
    }

    int wordBytes() {
        return wordBytes(word);
    }

    /** Values per group for rows of {@code in} values. */
    long groupSize(long in) {
        return group == -1 ? in : group;
    }

    /** Groups per row of {@code in} values. */
    long groups(long in) {
        return group == -1 ? 1 : ceil(in, group);
    }

    /** Zero points are stored: always in the optimum format, for asymmetric codes in the native one. */
    boolean hasZeros() {
        return optimum || !sym;
    }

    /** The stored parts of a tensor {@code [out, in]} in this encoding. */
    List<PartSpec> layout(long out, long in) {
        long g = groups(in);
        int n = perWord();
        List<PartSpec> parts = new ArrayList<>();
        if (optimum) {
            parts.add(new PartSpec(IncParts.QWEIGHT, word, Shape.of(ceil(in, n), out)));
            parts.add(new PartSpec(IncParts.QZEROS, word, Shape.of(g, ceil(out, n))));
            parts.add(new PartSpec(IncParts.SCALES, scale, Shape.of(g, out)));
        } else {
            parts.add(new PartSpec(IncParts.QWEIGHT, word, dim == 1 ? Shape.of(out, ceil(in, n)) : Shape.of(ceil(out, n), in)));
            if (!sym) {
                parts.add(new PartSpec(IncParts.QZEROS, word, dim == 1 ? Shape.of(out, ceil(g, n)) : Shape.of(ceil(out, n), g)));
            }
            parts.add(new PartSpec(IncParts.SCALES, scale, Shape.of(out, g)));
        }
        if (actOrder) {
            parts.add(new PartSpec(IncParts.G_IDX, ElementType.I32, Shape.of(in)));
        }
        return parts;
    }

    static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    static int wordBytes(ElementType word) {
        return word.bits() / 8;
    }

    private static int number(Map<String, String> params, String key, String fallback) {
        String v = params.getOrDefault(key, fallback).strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("inc: " + key + " '" + v + "' is not an integer");
        }
    }

    private static boolean bool(Map<String, String> params, String key, String fallback) {
        String v = params.getOrDefault(key, fallback).strip();
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("inc: " + key + " '" + v + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static ElementType type(Map<String, String> params, String key, String fallback) {
        String v = params.getOrDefault(key, fallback).strip();
        return ElementType.byId(v).orElseThrow(() -> new IllegalArgumentException("inc: " + key + " '" + v
                + "' is not an element type"));
    }
}
