package dev.requant.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Run a recipe: read once, plan, write every output.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    RecipeArgs recipe;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws Exception {
        try (Host host = Host.start(main.global)) {
            var job = host.session().compile(recipe.recipe, recipe.variables);
            RunFlow.run(host.session(), job, run, main.global.quiet, System.out, System.err);
        }
        return 0;
    }
}
