package dev.requant.core.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A verify condition such as {@code rel_rmse > 0.2 or cosine < 0.99}: comparisons of a metric with
 * a number, joined by {@code or} / {@code and} ({@code and} binds tighter). A tensor for which it
 * holds fails the run.
 */
public final class FailCondition {
    private record Comparison(Metric metric, String op, double bound) {
        boolean holds(ErrorStats s) {
            double v = s.value(metric);
            return switch (op) {
                case ">" -> v > bound;
                case ">=" -> v >= bound;
                case "<" -> v < bound;
                default -> v <= bound;
            };
        }

        @Override
        public String toString() {
            return metric.id() + " " + op + " " + bound;
        }
    }

    /** Alternatives ({@code or}) of conjunctions ({@code and}). */
    private final List<List<Comparison>> anyOf;
    private final String text;

    private FailCondition(List<List<Comparison>> anyOf, String text) {
        this.anyOf = anyOf;
        this.text = text;
    }

    /** @throws IllegalArgumentException saying what is malformed */
    public static FailCondition parse(String text) {
        List<List<Comparison>> anyOf = new ArrayList<>();
        for (String alternative : text.strip().split("\\s+or\\s+")) {
            List<Comparison> all = new ArrayList<>();
            for (String part : alternative.split("\\s+and\\s+")) {
                all.add(comparison(part.strip()));
            }
            anyOf.add(all);
        }
        return new FailCondition(anyOf, text.strip());
    }

    private static Comparison comparison(String s) {
        var m = java.util.regex.Pattern.compile("([a-z_]+)\\s*(>=|<=|>|<)\\s*([-+0-9.eE]+)").matcher(s.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not METRIC OP NUMBER (metrics: rmse, rel_rmse, max_abs,"
                    + " cosine; OP: > >= < <=)");
        }
        Metric metric = Metric.byId(m.group(1)).orElseThrow(() -> new IllegalArgumentException(
                "unknown metric '" + m.group(1) + "' (rmse, rel_rmse, max_abs, cosine)"));
        try {
            return new Comparison(metric, m.group(2), Double.parseDouble(m.group(3)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + m.group(3) + "' is not a number");
        }
    }

    public boolean holds(ErrorStats s) {
        return anyOf.stream().anyMatch(all -> all.stream().allMatch(c -> c.holds(s)));
    }

    @Override
    public String toString() {
        return text;
    }
}
