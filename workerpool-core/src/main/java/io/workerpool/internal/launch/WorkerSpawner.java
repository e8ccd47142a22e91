package io.workerpool.internal.launch;

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
import io.workerpool.internal.ops.Daemon;
import io.workerpool.internal.ops.SystemdEnvironment;

/**
 * Starts worker JVMs: the master's own command line plus worker options, marked as a worker through its
 * environment (worker-channel socket, id, a fresh secret), stdin from /dev/null, stdout and stderr appended to
 * the configured files or inherited from the master.
 *
 * <p>Must be called from one long-lived thread (the pool loop): the kernel's parent-death signal, which
 * workers arm, fires when the thread that started them ends, not the process.
 */
public final class WorkerSpawner {
    static final String FORWARDING_PROVIDER = "io.workerpool.internal.worker.logging.ForwardingServiceProvider";

    private final PoolConfig config;
    private final Path channelSocket;
    private final Path handoffSocket;
    private final List<String> baseCommandOptions;
    private final WorkerCommand command;
    private final SecureRandom random = new SecureRandom();
    /** {@code setpriv --pdeathsig KILL --}, or empty: then the worker arms the signal itself (FFM). */
    private final List<String> parentDeathWrapper = ParentDeathWrapper.find();

    public WorkerSpawner(PoolConfig config, Path channelSocket, Path handoffSocket) {
        this.config = config;
        this.channelSocket = channelSocket;
        this.handoffSocket = handoffSocket;
        this.command = WorkerCommand.ofCurrentProcess();
        List<String> options = new ArrayList<>();
        Module core = WorkerSpawner.class.getModule();
        // The worker runtime calls native code (FFM): grant it to this library, named after how it was loaded:
        // io.workerpool on a module path, ALL-UNNAMED on a class path or in an executable jar, unless the
        // master's command line (which the worker's repeats) already does. Decided from the command line, not
        // Module.isNativeAccessEnabled(): under the default "warn" mode the master's own first native call
        // (pidfile lock, listening socket, subreaper) turns that flag on.
        String grantee = core.isNamed() ? core.getName() : "ALL-UNNAMED";
        if (!command.jvmOptionValues("--enable-native-access").contains(grantee)) {
            options.add("--enable-native-access=" + grantee);
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
    public String newSecret() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public Process spawn(int workerId, String secret) throws IOException {
        return spawn(workerId, secret, List.of(), null);
    }

    /**
     * Starts a worker JVM with {@code extraOptions} after the configured ones; with a {@code trainingLog}, it is
     * the AOT cache's training JVM, whose output (the JDK's own training messages) goes to that file.
     */
    public Process spawn(int workerId, String secret, List<String> extraOptions, Path trainingLog) throws IOException {
        requireDirectoryOf(config.stdout(), "stdout");
        requireDirectoryOf(config.stderr(), "stderr");
        List<String> options = baseCommandOptions;
        if (!extraOptions.isEmpty()) {
            options = new ArrayList<>(baseCommandOptions);
            options.addAll(extraOptions);
        }
        List<String> commandLine = command.withJvmOptions(options);
        commandLine.addAll(0, parentDeathWrapper);
        ProcessBuilder builder = new ProcessBuilder(commandLine);
        Map<String, String> env = builder.environment();
        if (parentDeathWrapper.isEmpty()) {
            env.remove(WorkerEnvironment.PARENT_DEATH_ARMED);
        } else {
            env.put(WorkerEnvironment.PARENT_DEATH_ARMED, "1");
        }
        env.remove(Daemon.STATUS_FILE);
        // NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*: for the master alone; a worker must not notify systemd or think
        // it was socket-activated
        SystemdEnvironment.ALL.forEach(env::remove);
        env.put(WorkerEnvironment.CHANNEL_SOCKET, channelSocket.toString());
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
        if (trainingLog != null) {
            env.put(WorkerEnvironment.AOT_TRAINING, "1");
            builder.redirectErrorStream(true).redirectOutput(trainingLog.toFile());
            return builder.start();
        }
        env.remove(WorkerEnvironment.AOT_TRAINING);
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

    public WorkerCommand command() {
        return command;
    }
}
