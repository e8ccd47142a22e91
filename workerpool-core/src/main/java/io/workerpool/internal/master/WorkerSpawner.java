package io.workerpool.internal.master;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.wire.WorkerEnvironment;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Starts worker JVMs: the master's own command line plus worker options, marked as a worker through its
 * environment (control socket, id, a fresh secret), stdin from /dev/null, stdout and stderr appended to
 * the configured files or inherited from the master.
 *
 * <p>Must be called from one long-lived thread (the pool loop): the kernel's parent-death signal, which
 * workers arm, fires when the thread that started them ends, not the process.
 */
final class WorkerSpawner {
    static final String FORWARDING_PROVIDER = "io.workerpool.internal.worker.logging.ForwardingServiceProvider";

    private final PoolConfig config;
    private final Path controlSocket;
    private final Path handoffSocket;
    private final List<String> baseCommandOptions;
    private final WorkerCommand command;
    private final SecureRandom random = new SecureRandom();

    WorkerSpawner(PoolConfig config, Path controlSocket, Path handoffSocket) {
        this.config = config;
        this.controlSocket = controlSocket;
        this.handoffSocket = handoffSocket;
        this.command = WorkerCommand.ofCurrentProcess();
        List<String> options = new ArrayList<>();
        Module core = WorkerSpawner.class.getModule();
        if (!core.isNativeAccessEnabled()) {
            // The worker runtime calls native code (FFM): grant it to this library, named after how it was
            // loaded: io.workerpool on a module path, ALL-UNNAMED on a class path or in an executable jar.
            // When the master already has it, the same command line gives it to the worker.
            options.add("--enable-native-access=" + (core.isNamed() ? core.getName() : "ALL-UNNAMED"));
        }
        // Workers forward log records to the master instead of printing them: pick our SLF4J provider
        // over whatever backend the class path has.
        options.add("-Dslf4j.provider=" + FORWARDING_PROVIDER);
        // ...without SLF4J announcing on every worker's stderr that it did as told.
        options.add("-Dslf4j.internal.verbosity=WARN");
        if (!command.hasJvmOption("-Djava.util.logging.config.")) {
            // java.util.logging forwards from its first record too, unless the program configures it itself.
            options.add("-Djava.util.logging.config.class=io.workerpool.internal.worker.logging.JulBootstrap");
        }
        options.addAll(config.workerJvmOptions());
        this.baseCommandOptions = List.copyOf(options);
    }

    /** A fresh secret for one spawn; it travels in the environment, not on the command line. */
    String newSecret() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    Process spawn(int workerId, String secret) throws IOException {
        requireDirectoryOf(config.stdout(), "stdout");
        requireDirectoryOf(config.stderr(), "stderr");
        ProcessBuilder builder = new ProcessBuilder(command.withJvmOptions(baseCommandOptions));
        Map<String, String> env = builder.environment();
        env.remove(Daemon.STATUS_FILE);
        // NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*: for the master alone; a worker must not notify systemd or think
        // it was socket-activated
        SystemdEnvironment.ALL.forEach(env::remove);
        env.put(WorkerEnvironment.CONTROL_SOCKET, controlSocket.toString());
        env.put(WorkerEnvironment.WORKER_ID, Integer.toString(workerId));
        env.put(WorkerEnvironment.SECRET, secret);
        env.put(WorkerEnvironment.WORKER_TIMEOUT_MS, Long.toString(config.workerTimeout().toMillis()));
        if (handoffSocket != null) {
            env.put(WorkerEnvironment.HANDOFF_SOCKET, handoffSocket.toString());
        } else {
            env.remove(WorkerEnvironment.HANDOFF_SOCKET);
        }
        env.put(WorkerEnvironment.MASTER_PID, Long.toString(ProcessHandle.current().pid()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.redirectOutput(config.stdout() == null
                ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.appendTo(config.stdout().toFile()));
        builder.redirectError(config.stderr() == null
                ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.appendTo(config.stderr().toFile()));
        return builder.start();
    }

    /** Checked at start too; here it says why a spawn fails once the directory was removed under a running pool. */
    private static void requireDirectoryOf(Path file, String what) throws IOException {
        Path directory = file == null ? null : file.toAbsolutePath().getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            throw new IOException("cannot open the workers' " + what + " file " + file + ": its directory " + directory
                    + " does not exist (removed while the pool runs?)");
        }
    }

    WorkerCommand command() {
        return command;
    }
}
