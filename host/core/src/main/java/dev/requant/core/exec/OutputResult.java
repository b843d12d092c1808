package dev.requant.core.exec;

import dev.requant.core.plan.PlannedOutput;
import java.util.List;

/**
 * A committed output, with the error measured for each converted tensor when verification was
 * asked ({@code stats} follows the plan's entries; null for copied tensors or when not measured).
 */
public record OutputResult(PlannedOutput output, List<ErrorStats> stats) {
}
