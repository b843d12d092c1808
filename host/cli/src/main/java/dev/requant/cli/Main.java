package dev.requant.cli;

import dev.requant.core.RequantException;
import dev.requant.spi.BadInputException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

/**
 * The requant command line. Results go to stdout, logs and errors to stderr. Exit codes: 0 ok,
 * 1 failure, 2 usage or recipe error, 3 bad input file. Errors are one line unless {@code --debug}.
 */
@Command(name = "requant", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Converts LLM weight checkpoints between formats and quantization schemes.",
        subcommands = {RunCommand.class, PlanCommand.class, ConvertCommand.class, InspectCommand.class,
                PluginsCommand.class, SampleCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Mixin
    GlobalOptions global;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests and embedding). */
    public static int run(String... args) {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setExecutionStrategy(parsed -> {
            Logging.configure(main.global.debug);
            LOG.debug("{}; {} cores", new Version().getVersion()[0], Runtime.getRuntime().availableProcessors());
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr(), main.global.debug));
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("requant: " + e.getMessage());
            err.println("  (see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return RequantException.USAGE;
        });
        return cli.execute(args);
    }

    private static int report(Exception e, PrintWriter err, boolean debug) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        int code;
        String message;
        switch (t) {
            case BadInputException b -> {
                code = RequantException.BAD_INPUT;
                message = b.getMessage();
            }
            case RequantException r -> {
                code = r.exitCode();
                message = r.getMessage();
            }
            case java.nio.file.NoSuchFileException n -> {
                code = RequantException.BAD_INPUT;
                message = n.getMessage() + ": no such file or directory";
            }
            default -> {
                code = RequantException.FAILURE;
                message = t.getMessage() == null ? t.toString() : t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        err.println("requant: " + message);
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The version of this build, from the jar manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"requant " + (v == null ? "(development build)" : v) + ", spi "
                    + dev.requant.spi.Spi.VERSION + ", kernels: "
                    + (dev.requant.kernels.Kernels.vectorized() ? "Vector API" : "scalar")};
        }
    }
}
