package io.workerpool.internal.ops;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.workerpool.internal.launch.WorkerCommand;

/**
 * Daemon mode. The launching process re-runs the program as a detached master (its own session, stdin from
 * /dev/null, stdout/stderr to its log files ({@link MasterLog}), same working directory), waits until the
 * daemon reports that it runs (its pidfile is written) or why it could not start, and exits. The report
 * travels through a small status file named in the daemon's environment.
 */
public final class Daemon {
    public static final String STATUS_FILE = "WORKERPOOL_DAEMON_STATUS";
    private static final long READY_TIMEOUT_MILLIS = 120_000;

    private Daemon() {
    }

    /** True in the detached master that a launcher started. */
    public static boolean isDaemonProcess() {
        return System.getenv(STATUS_FILE) != null;
    }

    /** In the launcher: start the daemon, wait for its word, and end this JVM (0 once it runs, 1 if not). */
    public static void launchAndExit(PoolConfig config) {
        int status;
        try {
            status = launch(config);
        } catch (IOException e) {
            System.err.println("workerpool: cannot start the daemon: " + e.getMessage());
            status = 1;
        } catch (InterruptedException e) {
            System.err.println("workerpool: interrupted while waiting for the daemon to start");
            status = 1;
        }
        System.exit(status);
    }

    private static int launch(PoolConfig config) throws IOException, InterruptedException {
        Path statusFile = Files.createTempFile("workerpool-daemon-", ".status");
        try {
            ProcessBuilder builder = new ProcessBuilder(WorkerCommand.ofCurrentProcess().withJvmOptions(List.of()));
            builder.environment().put(STATUS_FILE, statusFile.toString());
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            // issue 17: never /dev/null; the files are named in the daemon's environment for logs-reopen
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(MasterLog.daemonStdout(config).toFile()));
            builder.redirectError(ProcessBuilder.Redirect.appendTo(MasterLog.daemonStderr(config).toFile()));
            MasterLog.nameInEnvironment(builder.environment(), config);
            Process daemon = builder.start();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
            while (System.nanoTime() < deadline) {
                String report = Files.readString(statusFile, StandardCharsets.UTF_8);
                if (report.startsWith("ready ")) {
                    System.out.println("workerpool: daemon running, pid " + report.substring(6).strip()
                            + ", pidfile " + config.pidFile() + ", log " + MasterLog.daemonStdout(config));
                    return 0;
                }
                if (report.startsWith("error ")) {
                    System.err.println("workerpool: the daemon could not start: " + report.substring(6).strip());
                    return 1;
                }
                if (daemon.waitFor(20, TimeUnit.MILLISECONDS)) {
                    if (Files.readString(statusFile, StandardCharsets.UTF_8).isEmpty()) {
                        System.err.println("workerpool: the daemon exited with status " + daemon.exitValue()
                                + " before it was ready; see " + MasterLog.daemonStderr(config));
                        return 1;
                    }
                }
            }
            System.err.println("workerpool: the daemon (pid " + daemon.pid() + ") did not report ready within "
                    + READY_TIMEOUT_MILLIS / 1000 + " s; it is left running");
            return 1;
        } finally {
            Files.deleteIfExists(statusFile);
        }
    }

    /** In the daemon, first thing: leave the launcher's session and terminal. */
    public static void detach() {
        try {
            Posix.setsid();
        } catch (PosixException | UnsupportedOperationException e) {
            report("error cannot detach into a new session: " + e.getMessage());
            throw new IllegalStateException("cannot detach into a new session: " + e.getMessage(), e);
        }
    }

    public static void reportReady() {
        report("ready " + ProcessHandle.current().pid());
    }

    public static void reportFailure(String message) {
        report("error " + message.replace('\n', ' '));
    }

    private static void report(String line) {
        String file = System.getenv(STATUS_FILE);
        if (file == null) {
            return;
        }
        report(Path.of(file), line);
    }

    /** Writes {@code line} to {@code statusFile} through a partial file beside it, moved in place. */
    static void report(Path statusFile, String line) {
        try {
            // Written beside and moved in place, so the launcher never reads half a line.
            Path partial = statusFile.resolveSibling(statusFile.getFileName() + ".partial");
            // The status file may sit in a shared directory: the partial file is made afresh and never through
            // a symbolic link someone planted there (unlinking a link removes the link, not its target).
            Files.deleteIfExists(partial);
            Files.writeString(partial, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.move(partial, statusFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("workerpool: cannot report to the launcher through " + statusFile + ": " + e);
        }
    }
}
