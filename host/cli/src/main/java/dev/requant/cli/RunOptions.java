package dev.requant.cli;

import picocli.CommandLine.Option;

/** How a conversion runs, as {@code run} and {@code convert} take it. */
final class RunOptions {
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads;

    @Option(names = "--dry-run", description = "Plan and print the plan; write nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "With --dry-run: print the plan as JSON.")
    boolean json;
}
