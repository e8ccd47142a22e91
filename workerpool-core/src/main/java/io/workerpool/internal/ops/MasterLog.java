package io.workerpool.internal.ops;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a daemon master's own output (its log: pool events and the records its workers forward, and whatever
 * the workers print when they have no output files of their own) goes, and its reopening after log rotation.
 *
 * <p>A daemon has no terminal, so its output always goes to a file: the {@value #LOG_FILE_PROPERTY} system
 * property when set (the CLI's {@code --log-file}), else the workers' stdout file, else a file beside the pidfile
 * ({@code app.pid} → {@code app.log}); its stderr goes to the workers' stderr file, else to the same file. The
 * launcher names the files in the daemon's environment, so that {@link #reopen} (SIGUSR1, {@code logs-reopen})
 * can point the master's stdout and stderr at fresh files once logrotate has renamed the old ones.
 */
public final class MasterLog {
    /** The daemon master's log file, for launchers without a builder option (the CLI's --log-file). */
    static final String LOG_FILE_PROPERTY = "workerpool.logFile";
    static final String STDOUT_ENV = "WORKERPOOL_DAEMON_STDOUT";
    static final String STDERR_ENV = "WORKERPOOL_DAEMON_STDERR";
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private MasterLog() {
    }

    /** The daemon's stdout: its log. */
    static Path daemonStdout(PoolConfig config) {
        String explicit = System.getProperty(LOG_FILE_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        if (config.stdout() != null) {
            return config.stdout().toAbsolutePath();
        }
        return besidePidFile(config.pidFile().toAbsolutePath());
    }

    /** The daemon's stderr: the workers' stderr file, else the log. */
    static Path daemonStderr(PoolConfig config) {
        return config.stderr() != null ? config.stderr().toAbsolutePath() : daemonStdout(config);
    }

    /** {@code app.pid} → {@code app.log}; {@code app} → {@code app.log}. */
    static Path besidePidFile(Path pidFile) {
        String name = pidFile.getFileName().toString();
        String base = name.endsWith(".pid") && name.length() > 4 ? name.substring(0, name.length() - 4) : name;
        return pidFile.resolveSibling(base + ".log");
    }

    /**
     * The file a worker's stdout ({@code stream} 1) or stderr (2) goes to: the configured one, else, in a daemon,
     * the master's own file, which the worker inherited; null for a foreground master's terminal. The paths the
     * workers' ReopenOutput names after rotation, so that a daemon's workers follow its log to the new file.
     */
    public static Path workersFile(PoolConfig config, int stream) {
        Path configured = stream == 1 ? config.stdout() : config.stderr();
        if (configured != null) {
            return configured;
        }
        String inherited = Daemon.isDaemonProcess() ? System.getenv(stream == 1 ? STDOUT_ENV : STDERR_ENV) : null;
        return inherited == null ? null : Path.of(inherited);
    }

    /** The launcher's part: the files named in the daemon's environment. */
    static void nameInEnvironment(Map<String, String> environment, PoolConfig config) {
        environment.put(STDOUT_ENV, daemonStdout(config).toString());
        environment.put(STDERR_ENV, daemonStderr(config).toString());
    }

    /**
     * In a daemon master: points stdout and stderr at the files of those names again, which log rotation
     * moved away (the next line lands in the new file), and says so there. Outside a daemon it does nothing:
     * a foreground master's output belongs to whoever started it. Never throws.
     *
     * @return true when the master's output was reopened
     */
    public static boolean reopen(String cause) {
        String stdout = System.getenv(STDOUT_ENV);
        String stderr = System.getenv(STDERR_ENV);
        if (stdout == null || !Daemon.isDaemonProcess()) {
            return false;
        }
        System.out.flush();
        System.err.flush();
        boolean reopened = reopen(stdout, 1);
        if (stderr != null) {
            reopened &= reopen(stderr, 2);
        }
        if (reopened) {
            LOG.info("{}: the master reopened its log {}{}", cause, stdout,
                    stderr == null || stderr.equals(stdout) ? "" : " and its stderr " + stderr);
        }
        return reopened;
    }

    private static boolean reopen(String file, int stream) {
        try {
            int fd = Posix.openForAppend(Path.of(file));
            try {
                Posix.dup2(fd, stream);
            } finally {
                Posix.close(fd);
            }
            return true;
        } catch (PosixException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.warn("could not reopen the master's {} at {} ({}); it keeps writing to the file it had open",
                    stream == 1 ? "stdout" : "stderr", file, e.getMessage());
            return false;
        }
    }
}
