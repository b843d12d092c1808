package dev.requant.core.recipe;

import java.util.List;

/**
 * Measure each converted tensor against its source: which metrics to show, a condition that
 * fails the run (nothing is published) when any tensor meets it, e.g. {@code rel_rmse > 0.2}, and
 * where to write the report ({@code report.json} beside the first output when not given).
 */
public record VerifySpec(List<Located<String>> metrics, Located<String> failIf, Located<String> report) {
}
