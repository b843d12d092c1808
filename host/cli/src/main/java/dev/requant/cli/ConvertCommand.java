package dev.requant.cli;

import dev.requant.core.recipe.InputSpec;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.OutputSpec;
import dev.requant.core.recipe.QuantizeSpec;
import dev.requant.core.recipe.Recipe;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "convert", description = {"Convert one model without a recipe.",
        "Quantizes the weight matrices to --type; norms, biases and 1-D tensors keep their type."})
final class ConvertCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IN", description = "Input file or folder.")
    String in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output file or folder.")
    String out;

    @Option(names = "--type", paramLabel = "TYPE", description = "Type of the weight matrices (q8_0, q4_0, f16, ...).")
    String type;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "A preset of config/presets (q4_k_m, q5_k_m, q8_0, ...): llama.cpp's per-tensor mixture.")
    String preset;

    @Option(names = "--format", paramLabel = "ID", description = "Output format (default: from OUT's name).")
    String format;

    @Option(names = "--input-format", paramLabel = "ID", description = "Input format (default: detected).")
    String inputFormat;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "A writer option, e.g. max_shard_size=2GB.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--no-fallback", description = "Refuse tensors whose shape does not fit --type instead of falling back.")
    boolean noFallback;

    @Option(names = "--verify", description = "Measure every converted tensor against its source.")
    boolean verify;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global)) {
            var job = host.session().compile(recipe(), Location.commandLine("convert"));
            RunFlow.run(host.session(), job, run, main.global.quiet, System.out, System.err);
        }
        return 0;
    }

    private Recipe recipe() {
        var input = new InputSpec(at(in, "IN"), at(inputFormat, "--input-format"), null);
        Map<String, Located<String>> opts = new LinkedHashMap<>();
        options.forEach((k, v) -> opts.put(k, at(v, "--option " + k)));
        var output = new OutputSpec(at(out, "OUT"), at(format, "--format"), opts, null);
        var fallback = noFallback ? at(List.<Located<String>>of(), "--no-fallback") : null;
        var quantize = type == null && preset == null && fallback == null ? null
                : at(new QuantizeSpec(at(preset, "--preset"), at(type, "--type"), List.of(), fallback), "--type");
        var verifySpec = verify ? at(new dev.requant.core.recipe.VerifySpec(List.of(), null, null), "--verify") : null;
        // no transforms named: those that apply by themselves (hf-to-gguf for a Hugging Face llama to GGUF) do
        return new Recipe(at(input, "IN"), null, quantize, at(List.of(at(output, "OUT")), "OUT"), verifySpec);
    }

    private static <T> Located<T> at(T value, String option) {
        return value == null ? null : new Located<>(value, Location.commandLine(option));
    }
}
