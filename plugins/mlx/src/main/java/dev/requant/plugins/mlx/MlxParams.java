package dev.requant.plugins.mlx;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of the {@code mlx} encoding, e.g. {@code mlx{bits:4,group:64,scale:f16}};
 * absent ones take mlx's defaults: 4 bits, groups of 64, f16.
 *
 * @param bits  bits per code, 2 to 8
 * @param group values per group of a row, each with its scale and bias
 * @param scale the element type of scales and biases (the model's dtype): f16, bf16 or f32
 */
record MlxParams(int bits, int group, ElementType scale) {
    private static final Set<String> KEYS = Set.of("bits", "group", "scale");
    private static final Set<ElementType> SCALE_TYPES = Set.of(ElementType.F16, ElementType.BF16, ElementType.F32);

    MlxParams {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("mlx: bits " + bits + " is not 2 to 8");
        }
        if (group <= 0) {
            throw new IllegalArgumentException("mlx: group " + group + " is not positive");
        }
        if (!SCALE_TYPES.contains(scale)) {
            throw new IllegalArgumentException("mlx: scale '" + scale.id() + "' is not f16, bf16 or f32");
        }
    }

    /**
     * Parses encoding parameters.
     *
     * @throws IllegalArgumentException naming the parameter that is unknown or malformed
     */
    static MlxParams of(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("mlx has no parameter '" + key + "' (bits, group, scale)");
            }
        }
        int bits = number(params, "bits", 4);
        int group = number(params, "group", 64);
        String scale = params.getOrDefault("scale", "f16");
        return new MlxParams(bits, group, ElementType.byId(scale).filter(SCALE_TYPES::contains).orElseThrow(
                () -> new IllegalArgumentException("mlx: scale '" + scale + "' is not f16, bf16 or f32")));
    }

    /** The written form, every parameter named. */
    Encoding encoding() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bits", Integer.toString(bits));
        p.put("group", Integer.toString(group));
        p.put("scale", scale.id());
        return new Encoding(MlxScheme.ID, p);
    }

    private static int number(Map<String, String> params, String key, int fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("mlx: " + key + " '" + v + "' is not an integer");
        }
    }
}
