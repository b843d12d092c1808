package dev.requant.cli;

import dev.requant.core.OpenedInput;
import dev.requant.core.Session;
import dev.requant.core.exec.OutputResult;
import dev.requant.core.exec.ProgressListener;
import dev.requant.core.exec.RunResult;
import dev.requant.core.job.Job;
import dev.requant.core.plan.PlanEntry;
import dev.requant.core.plan.Plan;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;

/** Open, plan, and either show the plan or run it: the common path of run, convert and sample. */
final class RunFlow {
    private RunFlow() {
    }

    /** @param quiet no progress and no summary: a plan asked for still prints, as do errors */
    static void run(Session session, Job job, RunOptions options, boolean quiet, PrintStream out, PrintStream err)
            throws IOException {
        try (OpenedInput input = session.open(job)) {
            Plan plan = session.plan(job, input);
            if (options.dryRun) {
                show(plan, options.json, out);
                return;
            }
            RunResult result = session.execute(job, plan, options.threads,
                    quiet ? ProgressListener.NONE : Progress.forStderr(err));
            // report.json is an output the recipe asked for; its table is part of the summary
            Optional<VerifyReport> verified = job.verify().map(v -> VerifyReport.of(result, v));
            if (verified.isPresent()) {
                verified.get().write(job.verify().get().report());
            }
            if (!quiet) {
                summarize(plan, result, verified, job, out);
            }
        }
    }

    private static void show(Plan plan, boolean json, PrintStream out) {
        PlanReport report = PlanReport.of(plan);
        if (json) {
            Json.print(report, out);
        } else {
            PlanPrinter.print(report, out);
        }
    }

    private static void summarize(Plan plan, RunResult r, Optional<VerifyReport> verified, Job job, PrintStream out) {
        double seconds = Math.max(1e-9, r.elapsed().toNanos() / 1e9);
        PlanReport.of(plan).transforms().forEach(t -> out.println(t.line()));
        for (OutputResult o : r.outputs()) {
            var p = o.output();
            long values = p.entries().stream().mapToLong(e -> e.target().shape().numel()).sum();
            out.printf(Locale.ROOT, "wrote %s (%s%s): %d tensors, %s, %s bits per weight%n", p.path(), p.writer().id(),
                    p.quantization().map(q -> ", " + q).orElse(""), p.entries().size(), Sizes.bytes(p.dataBytes()),
                    Sizes.bpw(p.dataBytes(), values));
            p.notes().forEach(n -> out.println("  note: " + n));
            if (p.fallbacks() > 0) {
                out.printf(Locale.ROOT, "  %d of %d tensors fell back:%n", p.fallbacks(), p.entries().size());
                for (PlanEntry e : p.entries()) {
                    if (e.fellBack()) {
                        out.printf(Locale.ROOT, "    %s %s -> %s (%s)%n", e.target().name(), e.target().shape(),
                                e.target().type().id(), e.refused().getFirst());
                    }
                }
            }
        }
        verified.ifPresent(v -> v.print(job.verify().get().report(), out));
        out.printf(Locale.ROOT, "read %s in %.2f s (%.1f MB/s)%n", Sizes.bytes(r.sourceBytes()), seconds,
                r.sourceBytes() / seconds / 1e6);
    }
}
