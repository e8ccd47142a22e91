package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.RECORDING_WORKER;
import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.workerpool.cli.CliProcess.Result;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Sound requests that cannot be carried out (port in use, pidfile directory missing or read-only, something
 * else at the control socket's path) exit 1 with one line; worker classes that only fail in the worker JVM
 * are boot errors the master gives up on, saying why. Each leaves nothing behind: no pidfile, no socket file,
 * no JVM, the port free of the pool.
 */
@Execution(ExecutionMode.CONCURRENT)
class CliBadStartTest {
    private static final String PKG = "io.workerpool.cli.testworkers.";
    /** Five boots, backing off 1 + 2 + 4 + 8 s, on a loaded machine. */
    private static final Duration GIVE_UP_WITHIN = Duration.ofSeconds(180);

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() {
        jvmsNaming(dir).forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result result = run("--listen", "127.0.0.1:" + port, RECORDING_WORKER, dir.resolve("events").toString());
            assertOneLine(result, 1, "workerpool run: cannot listen on 127.0.0.1:" + port + ": Address already in use"
                    + " (EADDRINUSE); is another server on that port?");
            assertNothingLeft();
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                assertThat(taken.accept().getRemoteSocketAddress()).as("the port's owner still serves it").isNotNull();
            }
        }
    }

    /** Issue 17: no "listening on ..." line before the error that stops the start (it bound, then undid it). */
    @Test
    void aMetricsPortInUseStopsTheStartWithoutClaimingToListen() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result result = run("--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:" + port, RECORDING_WORKER,
                    dir.resolve("events").toString());
            assertOneLine(result, 1, "workerpool run: ");
            assertThat(result.err()).contains("127.0.0.1:" + port);
            assertThat(result.out()).as("the master's log").doesNotContain("listening on");
            assertNothingLeft();
        }
    }

    @Test
    void aPidfileInAMissingDirectoryIsOneLineAndExitOne() throws Exception {
        Path pidFile = dir.resolve("missing").resolve("pool.pid");
        Result result = CliProcess.run(dir, "run", "--pidfile", pidFile.toString(), "--classpath", TEST_CLASSES,
                RECORDING_WORKER, dir.resolve("events").toString());
        assertOneLine(result, 1, "workerpool run: cannot create pidfile " + pidFile + ": its directory "
                + pidFile.getParent() + " does not exist; create it or choose another pidfile path");
        assertNothingLeft();
    }

    @Test
    void aPidfileInAReadOnlyDirectoryIsOneLineAndExitOne() throws Exception {
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        assumeFalse(uid == 0, "running as root, who may write in a read-only directory: run the tests as another"
                + " user to check this case");
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path pidFile = readOnly.resolve("pool.pid");
        Result result = CliProcess.run(dir, "run", "--pidfile", pidFile.toString(), "--classpath", TEST_CLASSES,
                RECORDING_WORKER, dir.resolve("events").toString());
        assertOneLine(result, 1, "workerpool run: cannot create pidfile " + pidFile + ": permission denied; choose"
                + " a writable directory for the pidfile");
        assertNothingLeft();
        try (Stream<Path> files = Files.list(readOnly)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void somethingElseAtTheControlSocketPathIsLeftAloneAndRefused() throws Exception {
        Path notASocket = Files.createDirectory(dir.resolve("pool.sock"));
        Result result = run(RECORDING_WORKER, dir.resolve("events").toString());
        assertOneLine(result, 1, "workerpool run: cannot use " + notASocket + " as the control socket: a directory"
                + " is there; remove it or choose another path");
        assertThat(notASocket).as("not ours to remove").isDirectory();
        assertNothingLeft();
    }

    @Test
    void aDirectoryAsTheStdoutFileIsOneLineAndExitOne() throws Exception {
        Path out = Files.createDirectory(dir.resolve("logs"));
        Result result = run("--stdout", out.toString(), RECORDING_WORKER, dir.resolve("events").toString());
        assertOneLine(result, 1, "workerpool run: cannot open the workers' stdout file " + out + ": it is a directory;"
                + " name a file, e.g. " + out.resolve("workers.stdout"));
        assertNothingLeft();
    }

    @Test
    void aConstructorThatThrowsIsABootErrorTheMasterGivesUpOnSayingWhy() throws Exception {
        Result result = CliProcess.run(dir, GIVE_UP_WITHIN, "run", "--workers", "1", "--pidfile",
                dir.resolve("pool.pid").toString(), "--classpath", TEST_CLASSES, PKG + "ThrowingConstructorWorker");
        String why = "its last error: worker 0 could not be created by its WorkerFactory:"
                + " java.lang.IllegalStateException: constructor failure on purpose in worker 0";
        assertOneLine(result, 1, "workerpool run: no worker could boot: every worker failed to boot 5 times in a row;"
                + " worker 0: " + why);
        assertThat(result.out()).contains("worker 0 failed to boot 5 times in a row, giving up on it; " + why);
        assertNothingLeft();
    }

    @Test
    void aStaticInitializerThatThrowsIsABootErrorNamingItsCause() throws Exception {
        Result result = CliProcess.run(dir, GIVE_UP_WITHIN, "run", "--workers", "1", "--pidfile",
                dir.resolve("pool.pid").toString(), "--classpath", TEST_CLASSES, PKG + "FailingStaticInitWorker");
        assertOneLine(result, 1, "workerpool run: no worker could boot: every worker failed to boot 5 times in a row;"
                + " worker 0: its last error: worker 0 could not be created by its WorkerFactory:"
                + " java.lang.ExceptionInInitializerError, caused by java.lang.IllegalStateException: static"
                + " initializer failure on purpose");
        assertNothingLeft();
    }

    @Test
    void aJvmOptionTheWorkerJvmRefusesIsABootErrorWithItsStderrTail() throws Exception {
        Path stderr = dir.resolve("workers.err");
        Result result = CliProcess.run(dir, GIVE_UP_WITHIN, "run", "--workers", "1", "--pidfile",
                dir.resolve("pool.pid").toString(), "--stderr", stderr.toString(), "--jvm-opt=-Xno-such-option",
                "--classpath", TEST_CLASSES, RECORDING_WORKER, dir.resolve("events").toString());
        assertOneLine(result, 1, "workerpool run: no worker could boot: every worker failed to boot 5 times in a row;"
                + " worker 0: it exited before it reached the master (a bad JVM option, a missing main class, or the"
                + " program failed before Supervisor.main(): see its stderr); the workers' stderr " + stderr
                + " ends with: ");
        assertThat(result.errLines().getFirst()).contains("Unrecognized option: -Xno-such-option");
        assertThat(result.out()).contains("giving up on it; it exited before it reached the master")
                .contains("last lines of the workers' stderr " + stderr + ":\nUnrecognized option: -Xno-such-option");
        assertNothingLeft();
    }

    private Result run(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("run", "--pidfile", dir.resolve("pool.pid").toString(),
                "--classpath", TEST_CLASSES));
        command.addAll(List.of(args));
        return CliProcess.run(dir, command.toArray(String[]::new));
    }

    private static void assertOneLine(Result result, int exit, String start) {
        assertThat(result.exit()).as("%s", result).isEqualTo(exit);
        assertThat(result.errLines()).as("%s", result).singleElement().asString().startsWith(start);
        // stdout is the master's log: a worker's own exception is forwarded there with its stack, as it should be
        assertThat(result.err()).as("no stack trace: %s", result).doesNotContain("\tat ");
        assertThat(result.err() + result.out()).as("nothing uncaught: %s", result).doesNotContain("Exception in thread");
    }

    /** No pidfile, control socket, worker events or JVM left: the pool started nothing, or undid it. */
    private void assertNothingLeft() {
        assertThat(dir.resolve("pool.pid")).doesNotExist();
        assertThat(dir.resolve("events")).as("no worker ran").doesNotExist();
        if (!Files.isDirectory(dir.resolve("pool.sock"))) {
            assertThat(dir.resolve("pool.sock")).doesNotExist();
        }
        assertThat(jvmsNaming(dir)).as("JVMs left running").isEmpty();
    }

    private static List<ProcessHandle> jvmsNaming(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(line -> line.contains(dir.toString())).orElse(false)).toList();
    }
}
