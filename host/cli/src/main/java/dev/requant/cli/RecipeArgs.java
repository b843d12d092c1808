package dev.requant.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The recipe file and its variables, as {@code run} and {@code plan} take them. */
final class RecipeArgs {
    @Parameters(index = "0", paramLabel = "RECIPE", description = "The recipe (YAML).")
    Path recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a recipe variable ${KEY} (repeatable).")
    Map<String, String> variables = new LinkedHashMap<>();
}
