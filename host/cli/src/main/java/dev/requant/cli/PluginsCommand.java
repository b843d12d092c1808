package dev.requant.cli;

import dev.requant.core.plugin.PluginInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;

@Command(name = "plugins", description = "List the plugins, their versions, and the readers, writers, schemes and transforms they provide.")
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (Host host = Host.start(main.global)) {
            List<PluginInfo> plugins = host.session().registry().plugins();
            if (json) {
                Json.print(plugins.stream().map(p -> new Listed(p.id(), p.version(), p.description(),
                        p.path().toString(), p.readers(), p.writers(), p.schemes(), p.transforms())).toList(), System.out);
                return 0;
            }
            if (plugins.isEmpty()) {
                System.out.println("no plugins loaded");
            }
            for (PluginInfo p : plugins) {
                System.out.println(p.id() + " " + p.version() + "  " + (p.description() == null ? "" : p.description()));
                line("readers", p.readers());
                line("writers", p.writers());
                line("schemes", p.schemes());
                line("transforms", p.transforms());
            }
        }
        return 0;
    }

    private static void line(String what, List<String> ids) {
        if (!ids.isEmpty()) {
            System.out.println("  " + what + ": " + String.join(", ", ids));
        }
    }

    record Listed(String id, String version, String description, String path, List<String> readers,
                  List<String> writers, List<String> schemes, List<String> transforms) {
    }
}
