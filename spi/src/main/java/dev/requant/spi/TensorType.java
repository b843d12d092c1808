package dev.requant.spi;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The type of a logical tensor: a plain {@link ElementType} or a quantized {@link Encoding}.
 *
 * <p>Written form, as in recipes and {@code inspect}: an element type id ({@code f16}), a scheme
 * id ({@code q8_0}), or a scheme id with parameters ({@code gptq{bits:4,group:128,sym:true}}).
 */
public sealed interface TensorType permits ElementType, Encoding {

    /** The written form; {@link #parse(String)} of it gives back an equal type. */
    String id();

    /** True for an {@link Encoding}: values share scales and need a scheme to decode. */
    boolean isQuantized();

    /**
     * Parses the written form. Element type ids win over scheme ids; case is ignored.
     *
     * @throws IllegalArgumentException with a message that says what is malformed
     */
    static TensorType parse(String text) {
        String s = text.strip();
        var element = ElementType.byId(s);
        if (element.isPresent()) {
            return element.get();
        }
        int brace = s.indexOf('{');
        String scheme = (brace < 0 ? s : s.substring(0, brace)).strip().toLowerCase(Locale.ROOT);
        if (!Encoding.SCHEME_ID.matcher(scheme).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a type: expected a type id such as f16 or q8_0,"
                    + " optionally with {key:value,...}");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (brace >= 0) {
            if (!s.endsWith("}")) {
                throw new IllegalArgumentException("'" + text + "': parameters must end with '}'");
            }
            String body = s.substring(brace + 1, s.length() - 1).strip();
            if (!body.isEmpty()) {
                for (String pair : body.split(",")) {
                    int colon = pair.indexOf(':');
                    if (colon <= 0) {
                        throw new IllegalArgumentException("'" + text + "': parameter '" + pair.strip()
                                + "' is not key:value");
                    }
                    String key = pair.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    if (params.put(key, pair.substring(colon + 1).strip()) != null) {
                        throw new IllegalArgumentException("'" + text + "': parameter '" + key + "' given twice");
                    }
                }
            }
        }
        return new Encoding(scheme, params);
    }
}
