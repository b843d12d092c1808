package dev.requant.cli;

import dev.requant.core.recipe.InputSpec;
import dev.requant.core.recipe.Located;
import dev.requant.core.recipe.Location;
import dev.requant.core.recipe.OutputSpec;
import dev.requant.core.recipe.Recipe;
import dev.requant.core.recipe.SampleSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sample", description = {"Write a generated llama-shaped model (for trying recipes and benchmarks).",
        "Weights are deterministic pseudo-random values; the folder gets a config.json."})
final class SampleCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "OUT", description = "Output folder or file (.safetensors, .gguf).")
    String out;

    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--hidden", defaultValue = "64") int hidden;
    @Option(names = "--intermediate", defaultValue = "172") int intermediate;
    @Option(names = "--heads", defaultValue = "8") int heads;
    @Option(names = "--kv-heads", defaultValue = "4") int kvHeads;
    @Option(names = "--vocab", defaultValue = "512") int vocab;
    @Option(names = "--type", defaultValue = "f32", description = "f32, f16 or bf16.") String type;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--format", paramLabel = "ID", description = "Output format (default: from OUT's name).") String format;
    @Mixin RunOptions run;

    @Override
    public Integer call() throws Exception {
        Location at = Location.commandLine("sample");
        var spec = new SampleSpec(layers, hidden, intermediate, heads, kvHeads, vocab, new Located<>(type, at), seed);
        var input = new InputSpec(null, null, new Located<>(spec, at));
        var output = new OutputSpec(new Located<>(out, at), format == null ? null : new Located<>(format, at), Map.of(), null);
        var recipe = new Recipe(new Located<>(input, at), List.of(), null,
                new Located<>(List.of(new Located<>(output, at)), at), null);
        try (Host host = Host.start(main.global)) {
            RunFlow.run(host.session(), host.session().compile(recipe, at), run, main.global.quiet, System.out,
                    System.err);
        }
        return 0;
    }
}
