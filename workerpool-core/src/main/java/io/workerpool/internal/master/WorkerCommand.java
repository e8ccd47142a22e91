package io.workerpool.internal.master;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
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
final class WorkerCommand {
    /** Launcher options whose value is the next argument. */
    private static final Set<String> OPTIONS_WITH_VALUE = Set.of(
            "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path",
            "--add-modules", "--limit-modules", "--add-reads", "--add-exports", "--add-opens",
            "--patch-module", "--enable-native-access", "--source", "--describe-module", "-d",
            "--add-enable-native-access", "--sun-misc-unsafe-memory-access", "--illegal-native-access");
    /** Launcher options after which comes what to run: the rest of the line is the program and its arguments. */
    private static final Set<String> MAIN_MARKERS = Set.of("-jar", "-m", "--module");

    private final List<String> jvmPart;
    private final List<String> programPart;

    private WorkerCommand(List<String> jvmPart, List<String> programPart) {
        this.jvmPart = jvmPart;
        this.programPart = programPart;
    }

    /** This JVM's command line, exactly as it was started. */
    static WorkerCommand ofCurrentProcess() {
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

    static WorkerCommand parse(List<String> argv) {
        int mainIndex = argv.size();
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (MAIN_MARKERS.contains(arg) || arg.startsWith("--module=")) {
                mainIndex = i;
                break;
            }
            if (OPTIONS_WITH_VALUE.contains(arg)) {
                i++;
                continue;
            }
            if (!arg.startsWith("-")) {
                mainIndex = i;
                break;
            }
        }
        return new WorkerCommand(List.copyOf(argv.subList(0, mainIndex)),
                List.copyOf(argv.subList(mainIndex, argv.size())));
    }

    /** The full worker command line with extra JVM options before the main class. */
    List<String> withJvmOptions(List<String> extraJvmOptions) {
        List<String> command = new ArrayList<>(jvmPart.size() + extraJvmOptions.size() + programPart.size());
        command.addAll(jvmPart);
        command.addAll(extraJvmOptions);
        command.addAll(programPart);
        return command;
    }

    boolean hasJvmOption(String prefix) {
        return jvmPart.stream().anyMatch(a -> a.startsWith(prefix));
    }

    private static List<String> readProcSelfCmdline() {
        Path cmdline = Path.of("/proc/self/cmdline");
        try {
            byte[] bytes = Files.readAllBytes(cmdline);
            List<String> argv = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    argv.add(new String(bytes, start, i - start, Charset.defaultCharset()));
                    start = i + 1;
                }
            }
            if (start < bytes.length) {
                argv.add(new String(bytes, start, bytes.length - start, Charset.defaultCharset()));
            }
            return argv;
        } catch (IOException | UnsupportedOperationException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return String.join(" ", withJvmOptions(List.of()));
    }
}
