package dev.requant.plugins.bnb;

import java.math.BigDecimal;

/** Python's {@code repr} of a float (a double), as {@code json.dumps} writes numbers. */
final class PythonFloat {
    /** The longest repr of an f32 value: a sign, 17 digits, a point and {@code e-38}, or {@code -0.000} and 17 digits. */
    static final int MAX_F32_LENGTH = 23;

    private PythonFloat() {
    }

    /**
     * The shortest digits that read back as {@code d} (Java and Python choose the same ones), laid
     * out as Python does: positional for decimal exponents -4 to 15, with at least one digit after
     * the point, else {@code d.ddde-05}. NaN and the infinities as {@code json.dumps} writes them.
     */
    static String repr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = b.unscaledValue().toString();
        int exponent = digits.length() - 1 - b.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        if (exponent < 0) {
            return sign + "0." + "0".repeat(-exponent - 1) + digits;
        }
        if (digits.length() <= exponent + 1) {
            return sign + digits + "0".repeat(exponent + 1 - digits.length()) + ".0";
        }
        return sign + digits.substring(0, exponent + 1) + "." + digits.substring(exponent + 1);
    }
}
