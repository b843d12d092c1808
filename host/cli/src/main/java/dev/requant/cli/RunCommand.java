package dev.requant.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run a recipe: read once, plan, write every output.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "RECIPE", description = "The recipe (YAML).")
    Path recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a recipe variable ${KEY} (repeatable).")
    Map<String, String> variables = new LinkedHashMap<>();

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads;

    @Option(names = "--dry-run", description = "Plan and print the plan; write nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "With --dry-run: print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global, System.err)) {
            var job = host.session().compile(recipe, variables);
            RunFlow.run(host.session(), job, dryRun, json, threads, System.out, System.err);
        }
        return 0;
    }
}
