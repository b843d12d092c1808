package dev.requant.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class GlobalOptions {
    @Option(names = "--plugins", paramLabel = "DIR", description = "Also load the plugin jars of DIR (repeatable).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    List<Path> pluginDirs = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "Host config (default: HOME/config/requant.yaml).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    Path config;

    @Option(names = "--debug", description = "Show stack traces and debug logs.",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Option(names = {"-q", "--quiet"}, description = "No progress and no run summary; results and errors still show.",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    boolean quiet;
}
