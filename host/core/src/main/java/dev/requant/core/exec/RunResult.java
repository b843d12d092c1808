package dev.requant.core.exec;

import java.time.Duration;
import java.util.List;

/** What a run did: each output, the source bytes processed, and how long it took. */
public record RunResult(List<OutputResult> outputs, long sourceBytes, Duration elapsed) {
}
