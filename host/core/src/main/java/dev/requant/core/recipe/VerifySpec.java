package dev.requant.core.recipe;

import java.util.List;

/**
 * Measure each converted tensor against its source: which metrics to show, and a condition that
 * fails the run (nothing is published) when any tensor meets it, e.g. {@code rel_rmse > 0.2}.
 */
public record VerifySpec(List<Located<String>> metrics, Located<String> failIf) {
}
