package dev.requant.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = {"Show what a model really holds: every logical tensor, its encoding,",
        "bytes and bits per weight, what is quantized and what is not, and the memory to load it."})
final class InspectCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "PATH", description = "A model file or folder.")
    Path path;

    @Option(names = "--format", paramLabel = "ID", description = "Reader to use (default: detected).")
    String format;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global);
             var source = host.session().open(path, format)) {
            InspectReport report = InspectReport.of(path.toString(), source);
            if (json) {
                Json.print(report, System.out);
            } else {
                print(report, System.out);
            }
        }
        return 0;
    }

    private static void print(InspectReport r, PrintStream out) {
        InspectReport.Totals t = r.totals();
        out.printf(Locale.ROOT, "%s: %s, %d tensors, %,d values, %s%n", r.path(), r.format(), t.tensors(), t.values(),
                Sizes.bytes(t.bytes()));
        int w = Math.max(6, r.tensors().stream().mapToInt(x -> x.name().length()).max().orElse(6));
        // quantized types carry their parameters: gptq{bits:4,desc_act:true,format:v1,group:128,sym:false}
        int tw = Math.max(12, r.tensors().stream().mapToInt(x -> x.type().length()).max().orElse(12));
        String row = "  %-" + w + "s  %-20s %-" + tw + "s %10s %7s%n";
        out.printf(Locale.ROOT, row, "TENSOR", "SHAPE", "TYPE", "SIZE", "BPW");
        for (InspectReport.Tensor x : r.tensors()) {
            out.printf(Locale.ROOT, row, x.name(), x.shape(), x.type(), Sizes.bytes(x.bytes()),
                    String.format(Locale.ROOT, "%.2f", x.bitsPerWeight()));
        }
        out.println("  by type: " + t.byType().entrySet().stream()
                .map(e -> e.getKey() + " x" + e.getValue().tensors() + " (" + Sizes.bytes(e.getValue().bytes()) + ", "
                        + Sizes.bpw(e.getValue().bytes(), e.getValue().values()) + " bpw)")
                .collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "  quantized: %d of %d tensors, %,d values, %s (%s bpw)%n", t.quantizedTensors(),
                t.tensors(), t.quantizedValues(), Sizes.bytes(t.quantizedBytes()),
                Sizes.bpw(t.quantizedBytes(), t.quantizedValues()));
        String kept = r.tensors().stream().filter(x -> !x.quantized())
                .collect(Collectors.groupingBy(InspectReport.Tensor::type, java.util.LinkedHashMap::new,
                        Collectors.mapping(InspectReport.Tensor::name, Collectors.toList())))
                .entrySet().stream().map(e -> e.getKey() + ": " + abbreviate(e.getValue()))
                .collect(Collectors.joining("; "));
        out.println("  not quantized: " + (kept.isEmpty() ? "none" : kept));
        out.printf(Locale.ROOT, "  memory to load the weights: %s as stored, %s dequantized to f16%n",
                Sizes.bytes(t.loadedAsStored()), Sizes.bytes(t.loadedAsF16()));
        out.println("  metadata: " + r.metadata().size() + " keys" + (r.files().isEmpty() ? ""
                : ", files: " + String.join(", ", r.files())));
        for (Map.Entry<String, String> e : r.metadata().entrySet()) {
            out.println("    " + e.getKey() + " = " + e.getValue());
        }
    }

    private static String abbreviate(java.util.List<String> names) {
        return names.size() <= 6 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }
}
