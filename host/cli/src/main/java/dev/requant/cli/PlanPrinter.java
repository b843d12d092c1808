package dev.requant.cli;

import java.io.PrintStream;
import java.util.Locale;

/** Prints a {@link PlanReport} as an aligned table per output. */
final class PlanPrinter {
    private PlanPrinter() {
    }

    static void print(PlanReport report, PrintStream out) {
        for (PlanReport.Transform t : report.transforms()) {
            out.println(t.line());
        }
        for (PlanReport.Output o : report.outputs()) {
            out.println("output " + o.path() + " (" + o.format()
                    + (o.quantization() != null ? ", " + o.quantization() : "") + ")");
            o.notes().forEach(n -> out.println("  note: " + n));
            int nameWidth = Math.max(6, o.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(6));
            String row = "  %-" + nameWidth + "s  %-16s %-22s %10s  %-7s %s%n";
            out.printf(Locale.ROOT, row, "TENSOR", "SHAPE", "TYPE", "SIZE", "HOW", "WHY");
            for (PlanReport.Tensor t : o.tensors()) {
                String type = t.action().equals("copy") ? t.target() : t.source() + " -> " + t.target();
                String how = t.action().equals("copy") ? "copy" : t.action().equals("transcode") ? "repack" : "convert";
                String why = t.fidelity().equals("exact") ? t.why() : t.fidelity() + "; " + t.why();
                out.printf(Locale.ROOT, row, t.name(), t.shape(), type, Sizes.bytes(t.bytes()), how, why);
                if (!t.fallback().isEmpty()) {
                    out.printf(Locale.ROOT, "  %-" + nameWidth + "s  fallback from %s%n", "",
                            String.join("; then ", t.fallback()));
                }
            }
            PlanReport.Totals s = o.totals();
            out.printf(Locale.ROOT, "  total: %d tensors (%d converted, %d repacked, %d copied; %d lossy), %d fallback(s),"
                            + " %s -> %s, %s bits per weight%n%n",
                    s.tensors(), s.converted(), s.repacked(), s.copied(), s.lossy(), s.fallbacks(),
                    Sizes.bytes(s.sourceBytes()),
                    Sizes.bytes(s.bytes()), Sizes.bpw(s.bytes(), s.values()));
        }
    }
}
