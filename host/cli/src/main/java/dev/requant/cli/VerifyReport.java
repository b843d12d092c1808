package dev.requant.cli;

import dev.requant.core.exec.ErrorStats;
import dev.requant.core.exec.Metric;
import dev.requant.core.exec.OutputResult;
import dev.requant.core.exec.RunResult;
import dev.requant.core.job.VerifySettings;
import dev.requant.core.plan.PlanEntry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code verify} measured: every output tensor decoded again and compared with its source
 * values. Copied tensors are identical by construction and are not decoded again. The run summary
 * prints it as a table; {@code report.json} holds it whole.
 */
record VerifyReport(String failIf, List<Output> outputs) {

    record Output(String path, String format, List<Tensor> tensors, Map<String, Double> overall, String worst) {
    }

    /** {@code metrics} is null for a copied tensor. */
    record Tensor(String name, String source, String target, String action, String fidelity,
                  Map<String, Double> metrics) {
    }

    static VerifyReport of(RunResult result, VerifySettings settings) {
        List<Output> outputs = new ArrayList<>();
        for (OutputResult o : result.outputs()) {
            List<Tensor> tensors = new ArrayList<>();
            ErrorStats all = new ErrorStats();
            String worst = null;
            double worstError = -1;
            for (int i = 0; i < o.output().entries().size(); i++) {
                PlanEntry e = o.output().entries().get(i);
                ErrorStats s = o.stats().get(i);
                if (s != null) {
                    all.merge(s);
                    if (s.value(Metric.REL_RMSE) > worstError) {
                        worstError = s.value(Metric.REL_RMSE);
                        worst = e.target().name();
                    }
                }
                tensors.add(new Tensor(e.target().name(), e.source().info().type().id(), e.target().type().id(),
                        e.action().name().toLowerCase(Locale.ROOT), e.fidelity().toString(),
                        s == null ? null : metrics(s, settings.metrics())));
            }
            outputs.add(new Output(o.output().path().toString(), o.output().writer().id(), tensors,
                    metrics(all, settings.metrics()), worst));
        }
        return new VerifyReport(settings.failIf().map(Object::toString).orElse(null), outputs);
    }

    private static Map<String, Double> metrics(ErrorStats s, List<Metric> which) {
        Map<String, Double> m = new LinkedHashMap<>();
        which.forEach(metric -> m.put(metric.id(), s.value(metric)));
        return m;
    }

    void print(Path reportPath, PrintStream out) {
        for (Output o : outputs) {
            out.println("verify " + o.path() + " (report: " + reportPath + ")");
            int nameWidth = Math.max(6, o.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(6));
            List<String> metricIds = List.copyOf(o.overall().keySet());
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-22s %-8s",
                    "TENSOR", "TYPE", "HOW"));
            metricIds.forEach(m -> head.append(String.format(Locale.ROOT, " %12s", m.toUpperCase(Locale.ROOT))));
            out.println(head);
            for (Tensor t : o.tensors()) {
                String type = t.action().equals("copy") ? t.target() : t.source() + " -> " + t.target();
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-22s %-8s",
                        t.name(), type, t.action().equals("transcode") ? "repack" : t.action()));
                if (t.metrics() == null) {
                    row.append(" identical bytes");
                } else {
                    t.metrics().values().forEach(v -> row.append(String.format(Locale.ROOT, " %12.4g", v)));
                }
                out.println(row);
            }
            StringBuilder total = new StringBuilder(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-22s %-8s",
                    "all measured", "", ""));
            o.overall().values().forEach(v -> total.append(String.format(Locale.ROOT, " %12.4g", v)));
            out.println(total);
            if (o.worst() != null) {
                out.println("  largest rel_rmse: " + o.worst());
            }
        }
    }

    /** Writes report.json whole or not at all. */
    void write(Path path) throws IOException {
        Path folder = path.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, ".report", ".json.tmp");
        try {
            Files.writeString(temp, Json.text(this) + "\n", StandardCharsets.UTF_8);
            Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
