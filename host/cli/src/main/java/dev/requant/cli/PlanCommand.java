package dev.requant.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "plan", description = "Print what a recipe would do to every tensor, and stop.")
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "RECIPE", description = "The recipe (YAML).")
    Path recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a recipe variable ${KEY} (repeatable).")
    Map<String, String> variables = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global, System.err)) {
            var job = host.session().compile(recipe, variables);
            RunFlow.run(host.session(), job, true, json, 0, System.out, System.err);
        }
        return 0;
    }
}
