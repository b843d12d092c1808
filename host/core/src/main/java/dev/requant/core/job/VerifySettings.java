package dev.requant.core.job;

import dev.requant.core.exec.FailCondition;
import dev.requant.core.exec.Metric;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A checked {@code verify:} section; {@code report} is where report.json goes. */
public record VerifySettings(List<Metric> metrics, Optional<FailCondition> failIf, Path report) {
}
