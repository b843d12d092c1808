package dev.requant.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "Print what a recipe would do to every tensor, and stop.")
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    RecipeArgs recipe;

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global)) {
            var job = host.session().compile(recipe.recipe, recipe.variables);
            RunOptions planOnly = new RunOptions();
            planOnly.dryRun = true;
            planOnly.json = json;
            RunFlow.run(host.session(), job, planOnly, main.global.quiet, System.out, System.err);
        }
        return 0;
    }
}
