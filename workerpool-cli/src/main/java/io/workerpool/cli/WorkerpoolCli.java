package io.workerpool.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code workerpool} command: {@code run} runs a pool of a Worker class from a class path; {@code status},
 * {@code stop}, {@code reload}, {@code scale}, {@code restart} and {@code logs-reopen} manage a running pool
 * through its control socket.
 *
 * <p>Exit status: 0 on success, 1 when a sound request failed (no pool running, the pool refused, the pool
 * could not start), 2 for a bad flag, value or worker class. Every error is one line on stderr.
 */
@Command(name = "workerpool", mixinStandardHelpOptions = true, versionProvider = WorkerpoolCli.Version.class,
        usageHelpAutoWidth = true,
        description = "Runs a pre-fork pool of JVM workers, and manages a running one.",
        subcommands = {RunCommand.class, ManagementCommands.Status.class, ManagementCommands.Stop.class,
            ChangeCommands.Reload.class, ChangeCommands.Scale.class, ChangeCommands.Restart.class,
            ManagementCommands.LogsReopen.class, UpgradeCommand.class /* issue 15 */, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  workerpool run --workers 4 --pidfile /tmp/app.pid --classpath app.jar \\",
            "      com.example.MyWorker",
            "  workerpool status --pidfile /tmp/app.pid",
            "  workerpool scale 6 --pidfile /tmp/app.pid",
            "  workerpool stop --timeout 10s --pidfile /tmp/app.pid",
            "",
            "'workerpool help COMMAND' or 'workerpool COMMAND --help' tells more."})
public final class WorkerpoolCli implements Callable<Integer> {
    private WorkerpoolCli() {
    }

    /** Runs the command and exits the JVM with its status; see the class comment. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        return execute(args, null, null);
    }

    /** As {@link #execute(String[])}, printing to {@code out} and {@code err} when given (tests run it in-process). */
    static int execute(String[] args, java.io.PrintWriter out, java.io.PrintWriter err) {
        CommandLine cli = new CommandLine(new WorkerpoolCli());
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        // Everything after WORKER_CLASS is the worker's, flags included.
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.setParameterExceptionHandler(WorkerpoolCli::onBadArguments);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException failure) {
                commandLine.getErr().println(prefix(commandLine) + failure.getMessage());
                return failure.exitStatus();
            }
            throw e; // a bug: its stack trace is worth seeing
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        throw CliException.usage("say what to do: run, status, stop, reload, scale, restart or logs-reopen"
                + " (see 'workerpool --help')");
    }

    /** A bad flag or value: one line that says what is allowed, exit status 2. */
    private static int onBadArguments(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        commandLine.getErr().println(prefix(commandLine) + describe(e, commandLine));
        return CliException.USAGE;
    }

    private static String describe(ParameterException e, CommandLine commandLine) {
        ArgSpec arg = e.getArgSpec();
        if (e.getCause() instanceof TypeConversionException conversion && arg != null) {
            String name = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
            return name + " " + conversion.getMessage();
        }
        String help = "see '" + commandLine.getCommandSpec().qualifiedName() + " --help'";
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            if (first.startsWith("-")) {
                List<String> suggestions = unmatched.getSuggestions();
                return "unknown option '" + first + "'" + (suggestions.isEmpty() ? ""
                        : "; did you mean " + String.join(" or ", suggestions) + "?") + " (" + help + ")";
            }
            if (!commandLine.getSubcommands().isEmpty()) {
                return "unknown command '" + first + "'; the commands are "
                        + String.join(", ", commandLine.getSubcommands().keySet()) + " (" + help + ")";
            }
            return "unexpected argument '" + first + "' (" + help + ")";
        }
        String message = String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", "; ");
        return Character.toLowerCase(message.charAt(0)) + message.substring(1) + " (" + help + ")";
    }

    private static String prefix(CommandLine commandLine) {
        return commandLine.getCommandSpec().qualifiedName() + ": ";
    }

    /** -h/--help for the commands, which have no version of their own to show. */
    static final class HelpOption {
        @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and"
                + " exit.")
        boolean help;
    }

    /** The version from the build, in workerpool-cli.properties. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties properties = new Properties();
            try (InputStream in = WorkerpoolCli.class.getResourceAsStream("/workerpool-cli.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                // no version then
            }
            return new String[] {"workerpool " + properties.getProperty("version", "(unknown version)") + ", Java "
                    + Runtime.version()};
        }
    }
}
