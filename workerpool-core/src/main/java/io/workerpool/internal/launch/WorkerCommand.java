package io.workerpool.internal.launch;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command line of a worker JVM: the master's own command line (same java binary, JVM options,
 * class path or module path, main class or jar or module, arguments), with the worker's extra JVM options
 * placed just before the main class so that they win over the master's own.
 */
public final class WorkerCommand {
    /**
     * Launcher options whose value is the next argument (libjli {@code java.c IsWhiteSpaceOption}, less
     * {@code -m}/{@code --module}). Every other option carries its value inside ({@code --add-opens=...},
     * {@code -Dx=y}, {@code --illegal-native-access=deny}: the launcher rejects a separate value for those).
     */
    private static final Set<String> OPTIONS_WITH_VALUE = Set.of(
            "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path",
            "--add-modules", "--limit-modules", "--add-reads", "--add-exports", "--add-opens",
            "--patch-module", "--enable-native-access", "--source", "--describe-module", "-d");
    /** Launcher options after which comes what to run: the rest of the line is the program and its arguments. */
    private static final Set<String> MAIN_MARKERS = Set.of("-jar", "-m", "--module");
    /**
     * How the launcher turned argv bytes into Strings, and how {@link ProcessBuilder} turns them back into
     * bytes: decoding with it keeps every argument byte for byte (the default charset is UTF-8 whatever the
     * locale, and would garble arguments under, say, an ISO-8859-1 locale).
     */
    private static final Charset JNU_CHARSET = jnuCharset();

    private final List<String> jvmPart;
    private final List<String> programPart;

    private WorkerCommand(List<String> jvmPart, List<String> programPart) {
        this.jvmPart = jvmPart;
        this.programPart = programPart;
    }

    /** This JVM's command line, exactly as it was started. */
    public static WorkerCommand ofCurrentProcess() {
        List<String> argv = readProcSelfCmdline();
        String executable = ProcessHandle.current().info().command().orElse(null);
        if (!argv.isEmpty() && executable != null) {
            // argv[0] may be a bare "java" found on PATH; the resolved binary is the same java for sure.
            argv.set(0, executable);
        }
        if (argv.isEmpty()) {
            ProcessHandle.Info info = ProcessHandle.current().info();
            String java = info.command().orElseThrow(() -> new IllegalStateException(
                    "cannot tell how this JVM was started (no /proc/self/cmdline, no ProcessHandle info): "
                            + "workers can't be launched"));
            argv = new ArrayList<>();
            argv.add(java);
            argv.addAll(Arrays.asList(info.arguments().orElse(new String[0])));
        }
        return parse(argv);
    }

    /**
     * Splits a java command line where the worker's options go: before {@code -jar}, {@code -m}/{@code --module}
     * or the main class (or source file), following the launcher's rules: options that take the next argument
     * as their value ({@code -cp x}, {@code --add-opens a/b=c}) skip it, and whatever follows the main class
     * stays after it, even when it looks like an option.
     *
     * <p>{@code @argfiles} before the main class are read and inlined, as the launcher reads them: they may
     * hold JVM options (which the worker's options must come after, to win) or the main class itself, and
     * the worker must not depend on a file a build tool or an IDE may delete once the master is running.
     * Inlined arguments that start with {@code @} are written {@code @@...} so that the worker's launcher
     * reads them as the same plain argument. An argfile that can't be read any more is left in place, as
     * the start of the program part.
     */
    static WorkerCommand parse(List<String> argv) {
        return parse(argv, JNU_CHARSET);
    }

    static WorkerCommand parse(List<String> argv, Charset argFileCharset) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("an empty command line has no java binary to re-run");
        }
        Splitter splitter = new Splitter(argv.getFirst());
        int next = 1;
        for (; next < argv.size() && !splitter.mainFound; next++) {
            String arg = argv.get(next);
            if (!splitter.readArgFiles || !arg.startsWith("@") || arg.length() == 1) {
                splitter.accept(arg, arg);
            } else if (arg.startsWith("@@")) {
                splitter.accept(arg.substring(1), arg);
            } else {
                List<String> tokens = readArgFile(arg.substring(1), argFileCharset);
                if (tokens == null) {
                    // What it held is lost: putting the worker options before it is right both when it held
                    // options only and when it held the main class. The worker's launcher will say it's gone.
                    splitter.out.add(arg);
                    splitter.startProgram();
                    splitter.mainFound = true;
                    continue;
                }
                for (String token : tokens) {
                    if (splitter.mainFound) {
                        // The launcher reads no @argfile after the main class: no escaping either.
                        splitter.out.add(token);
                    } else {
                        splitter.accept(token, splitter.readArgFiles && token.startsWith("@") ? "@" + token : token);
                    }
                }
            }
        }
        splitter.out.addAll(argv.subList(next, argv.size()));
        int programStart = splitter.programStart < 0 ? splitter.out.size() : splitter.programStart;
        return new WorkerCommand(List.copyOf(splitter.out.subList(0, programStart)),
                List.copyOf(splitter.out.subList(programStart, splitter.out.size())));
    }

    /** The launcher's view of the arguments before the main class, one at a time ({@code args.c checkArg}). */
    private static final class Splitter {
        final List<String> out = new ArrayList<>();
        int programStart = -1;
        boolean mainFound;
        boolean readArgFiles = true;
        private boolean valueExpected;

        Splitter(String java) {
            out.add(java);
        }

        /** One launcher argument: {@code value} as the launcher sees it, {@code verbatim} as we write it. */
        void accept(String value, String verbatim) {
            out.add(verbatim);
            boolean option = value.startsWith("-");
            if (valueExpected && !option) {
                // The launcher takes the next argument as the option's value only when it has no leading '-'.
                valueExpected = false;
                return;
            }
            valueExpected = false;
            if (!option) {
                startProgram();
                mainFound = true;
            } else if (MAIN_MARKERS.contains(value)) {
                // -jar may still be followed by options; the jar, or -m's module, is the next plain argument.
                startProgram();
            } else if (value.startsWith("--module=")) {
                startProgram();
                mainFound = true;
            } else if (OPTIONS_WITH_VALUE.contains(value)) {
                valueExpected = true;
            } else if (value.equals("--disable-@files")) {
                readArgFiles = false;
            }
        }

        void startProgram() {
            if (programStart < 0) {
                programStart = out.size() - 1;
            }
        }
    }

    /** The argfile's arguments, or null when it can't be read. */
    private static List<String> readArgFile(String name, Charset charset) {
        try {
            return JavaArgFile.tokens(new String(Files.readAllBytes(Path.of(name)), charset));
        } catch (IOException | InvalidPathException e) {
            return null;
        }
    }

    /** The full worker command line with extra JVM options before the main class. */
    /** True when one of the master's own JVM options starts with {@code prefix}. */
    boolean hasJvmOption(String prefix) {
        return jvmPart.stream().anyMatch(option -> option.startsWith(prefix));
    }

    /**
     * The comma-separated values of a JVM option given as {@code --name=a,b} or {@code --name a,b}, from every
     * occurrence, e.g. the modules of {@code --enable-native-access}.
     */
    List<String> jvmOptionValues(String name) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < jvmPart.size(); i++) {
            String option = jvmPart.get(i);
            String value = option.startsWith(name + "=") ? option.substring(name.length() + 1)
                    : option.equals(name) && i + 1 < jvmPart.size() ? jvmPart.get(i + 1) : null;
            if (value != null) {
                values.addAll(List.of(value.split(",")));
            }
        }
        return values;
    }

    public List<String> withJvmOptions(List<String> extraJvmOptions) {
        List<String> command = new ArrayList<>(jvmPart.size() + extraJvmOptions.size() + programPart.size());
        command.addAll(jvmPart);
        command.addAll(extraJvmOptions);
        command.addAll(programPart);
        return command;
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding"), Charset.defaultCharset());
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /** /proc/self/cmdline's NUL-terminated arguments; an empty argument stays an empty String. */
    static List<String> splitCmdline(byte[] bytes, Charset charset) {
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                argv.add(new String(bytes, start, i - start, charset));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            argv.add(new String(bytes, start, bytes.length - start, charset));
        }
        return argv;
    }

    // ---- issue 15 (upgrade) hook: the new master is this command line as it was typed, argfiles not inlined
    // (a changed @argfile is how an upgrade picks up new settings) ----

    /** This JVM's command line exactly as started, with the resolved java binary as argv[0]. */
    public static List<String> currentCommandLine() {
        List<String> argv = new ArrayList<>(readProcSelfCmdline());
        if (argv.isEmpty()) {
            throw new IllegalStateException("cannot read /proc/self/cmdline: no command line to start a new master");
        }
        ProcessHandle.current().info().command().ifPresent(java -> argv.set(0, java));
        return argv;
    }

    /** The JVM options, without the java binary. */
    public List<String> jvmOptions() {
        return jvmPart.isEmpty() ? List.of() : jvmPart.subList(1, jvmPart.size());
    }

    private static List<String> readProcSelfCmdline() {
        Path cmdline = Path.of("/proc/self/cmdline");
        try {
            return splitCmdline(Files.readAllBytes(cmdline), JNU_CHARSET);
        } catch (IOException | UnsupportedOperationException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return String.join(" ", withJvmOptions(List.of()));
    }
}
