package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.cli.CliProcess.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad flags, values and worker classes: one line on stderr that says what is allowed, exit 2, nothing started.
 * Each case is a short JVM of its own, so they run side by side (but not beside the other test classes).
 */
class CliUsageTest {
    private static final String PKG = "io.workerpool.cli.testworkers.";
    private static final String LONG = "x".repeat(120);

    @TempDir
    Path dir;

    static Stream<Arguments> badRuns() {
        return Stream.of(
                Arguments.of("--workers must be a whole number >= 1, got '0'",
                        new String[] {"--workers", "0", PKG + "RecordingWorker"}),
                Arguments.of("--worker-timeout must be a duration like 500ms, 3s or 1m, got 'abc'",
                        new String[] {"--worker-timeout", "abc", PKG + "RecordingWorker"}),
                Arguments.of("--check-interval (2s) must be shorter than --worker-timeout (1s)",
                        new String[] {"--check-interval", "2s", "--worker-timeout", "1s", PKG + "RecordingWorker"}),
                Arguments.of("only one --listen address is supported yet",
                        new String[] {"--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", PKG + "RecordingWorker"}),
                Arguments.of("--metrics must be HOST:PORT like 127.0.0.1:8080, [::1]:8080 or *:8080 (port 0-65535),"
                        + " got '9100'", new String[] {"--metrics", "9100", PKG + "RecordingWorker"}),
                Arguments.of("--ready-share must be a number more than 0 and at most 1 like 0.5, got '1.5'",
                        new String[] {"--metrics", "127.0.0.1:0", "--ready-share", "1.5", PKG + "RecordingWorker"}),
                Arguments.of("--ready-share needs --metrics HOST:PORT: /readyz is served there",
                        new String[] {"--ready-share", "0.5", PKG + "RecordingWorker"}),
                Arguments.of("--spares must be a whole number >= 0, got '-1'",
                        new String[] {"--spares", "-1", PKG + "RecordingWorker"}),
                Arguments.of("--spares must be a whole number >= 0, got 'two'",
                        new String[] {"--spares", "two", PKG + "RecordingWorker"}),
                Arguments.of("--aot-cache must be a file in an existing directory, got '/no/such/dir/worker.aot':"
                        + " create /no/such/dir first",
                        new String[] {"--aot-cache", "/no/such/dir/worker.aot", PKG + "RecordingWorker"}),
                Arguments.of("unknown option '--wrokers'", new String[] {"--wrokers", "2", PKG + "RecordingWorker"}),
                Arguments.of("worker class com.example.Missing not found on --classpath " + TEST_CLASSES,
                        new String[] {"com.example.Missing"}),
                Arguments.of("worker class " + PKG + "NotAWorker is not a Worker: it must extend io.workerpool.Worker",
                        new String[] {PKG + "NotAWorker"}),
                Arguments.of("worker class " + PKG + "AbstractWorker is abstract",
                        new String[] {PKG + "AbstractWorker"}),
                Arguments.of("worker class " + PKG + "NoIdConstructorWorker has no public constructor "
                        + "NoIdConstructorWorker(int id)", new String[] {PKG + "NoIdConstructorWorker"}),
                Arguments.of("worker class " + PKG + "PrivateConstructorWorker has no public constructor "
                        + "PrivateConstructorWorker(int id): add one", new String[] {PKG + "PrivateConstructorWorker"}),
                Arguments.of("worker class " + PKG + "NonPublicWorker is not public: make it public so that the pool"
                        + " can create it", new String[] {PKG + "NonPublicWorker"}),
                Arguments.of("worker class " + PKG + "WorkerInterface is an interface: name a public class that"
                        + " extends io.workerpool.Worker", new String[] {PKG + "WorkerInterface"}),
                Arguments.of("missing required parameter: 'WORKER_CLASS' (see 'workerpool run --help')",
                        new String[] {"--workers", "2"}),
                Arguments.of("--workers must be a whole number >= 1, got '-1'",
                        new String[] {"--workers", "-1", PKG + "RecordingWorker"}),
                Arguments.of("--worker-ids must be a comma-separated list of worker ids >= 0 like 0,1,2, got '1,,-2'",
                        new String[] {"--worker-ids", "1,,-2", PKG + "RecordingWorker"}),
                Arguments.of("worker ids must be distinct, got 1 twice in [1, 1]",
                        new String[] {"--worker-ids", "1,1", PKG + "RecordingWorker"}),
                Arguments.of("give either --workers or --worker-ids, not both",
                        new String[] {"--workers", "2", "--worker-ids", "1", PKG + "RecordingWorker"}),
                Arguments.of("--stop-timeout must be a duration like 500ms, 3s or 1m, got '-1s'",
                        new String[] {"--stop-timeout", "-1s", PKG + "RecordingWorker"}),
                Arguments.of("--stop-timeout must be a duration like 500ms, 3s or 1m, got '1x'",
                        new String[] {"--stop-timeout", "1x", PKG + "RecordingWorker"}),
                Arguments.of("--worker-timeout must be at most 8760h (365 days), got '999999999h'",
                        new String[] {"--worker-timeout", "999999999h", PKG + "RecordingWorker"}),
                Arguments.of("--check-interval must be a duration like 500ms, 3s or 1m, got '99999999999s'",
                        new String[] {"--check-interval", "99999999999s", PKG + "RecordingWorker"}),
                Arguments.of("--listen must be HOST:PORT like 127.0.0.1:8080, [::1]:8080 or *:8080 (port 0-65535),"
                        + " got '127.0.0.1:65536'", new String[] {"--listen", "127.0.0.1:65536", PKG + "RecordingWorker"}),
                Arguments.of("--listen must be HOST:PORT like 127.0.0.1:8080, [::1]:8080 or *:8080 (port 0-65535),"
                        + " got 'localhost'", new String[] {"--listen", "localhost", PKG + "RecordingWorker"}),
                Arguments.of("--listen must name a host this machine can resolve, got 'no-such-host.invalid:80'"
                        + " (unknown host 'no-such-host.invalid')",
                        new String[] {"--listen", "no-such-host.invalid:80", PKG + "RecordingWorker"}),
                Arguments.of("--log-file is for --daemon; in the foreground the log is this command's output:"
                        + " redirect it (> FILE)", new String[] {"--log-file", "/tmp/app.log", PKG + "RecordingWorker"}),
                Arguments.of("--daemon needs --pidfile FILE: it is how you find and stop the daemon",
                        new String[] {"--daemon", PKG + "RecordingWorker"}),
                Arguments.of("--jvm-opt must be a JVM option starting with '-' like -Xmx256m, got 'Xmx64m'",
                        new String[] {"--jvm-opt", "Xmx64m", PKG + "RecordingWorker"}),
                Arguments.of("--control socket path must be at most 107 bytes long, got 130 bytes: /tmp/" + LONG
                        + ".sock; choose a shorter path",
                        new String[] {"--control", "/tmp/" + LONG + ".sock", PKG + "RecordingWorker"}),
                Arguments.of("--control socket path must be at most 107 bytes long, got 130 bytes: /tmp/" + LONG
                        + ".sock; it goes beside --pidfile: choose a shorter --pidfile path, or give --control SOCKET",
                        new String[] {"--pidfile", "/tmp/" + LONG + ".pid", PKG + "RecordingWorker"}),
                Arguments.of("--pidfile and --control must be different files, got /tmp/pool.pid for both",
                        new String[] {"--pidfile", "/tmp/pool.pid", "--control", "/tmp/pool.pid",
                            PKG + "RecordingWorker"}),
                Arguments.of("option '--classpath' (CP) should be specified only once",
                        new String[] {"--classpath", "no-such-dir", PKG + "RecordingWorker"}));
    }

    /**
     * In this JVM, to be quick: each case is refused before anything starts (a case that started a pool would
     * hang here, and the timeout says so). The subprocess cases below show the same through the real launcher.
     */
    @Timeout(60)
    @ParameterizedTest(name = "{0}")
    @MethodSource("badRuns")
    void badRunSaysWhatIsWrongInOneLine(String expected, String[] args) throws Exception {
        String[] command = Stream.concat(Stream.of("run", "--classpath", TEST_CLASSES), Stream.of(args))
                .toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = WorkerpoolCli.execute(command, new PrintWriter(out, true), new PrintWriter(err, true));
        assertOneLineError(new Result(exit, out.toString(), err.toString()), 2, "workerpool run: " + expected);
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void badRunsThroughTheLauncherExitTwoWithOneLine() throws Exception {
        assertOneLineError(CliProcess.run(dir, "run", "--classpath", TEST_CLASSES, "--worker-timeout", "abc",
                PKG + "RecordingWorker"), 2, "workerpool run: --worker-timeout must be a duration like 500ms, 3s or"
                + " 1m, got 'abc'");
        assertOneLineError(CliProcess.run(dir, "run", "--classpath", TEST_CLASSES, PKG + "WorkerInterface"), 2,
                "workerpool run: worker class " + PKG + "WorkerInterface is an interface");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("nothing but the command's own output files: no pidfile, socket or worker output")
                    .allMatch(n -> n.startsWith("out-") || n.startsWith("err-"));
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void badManagementValuesExitTwo() throws Exception {
        assertOneLineError(CliProcess.run(dir, "scale", "0", "--pidfile", "pool.pid"), 2,
                "workerpool scale: N must be a whole number >= 1, got '0'");
        assertOneLineError(CliProcess.run(dir, "scale", "1025", "--pidfile", "pool.pid"), 2,
                "workerpool scale: N must be at most 1024 workers, got '1025'");
        assertOneLineError(CliProcess.run(dir, "status"), 2,
                "workerpool status: say which pool: --pidfile FILE");
        assertOneLineError(CliProcess.run(dir, "restart", "-1", "--pidfile", "pool.pid"), 2,
                "workerpool restart: ID must be a whole number >= 0, got '-1'");
        assertOneLineError(CliProcess.run(dir, "stop", "--timeout", "abc", "--pidfile", "pool.pid"), 2,
                "workerpool stop: --timeout must be a duration like 500ms, 3s or 1m, got 'abc'");
        assertOneLineError(CliProcess.run(dir, "reload", "--pidfle", "pool.pid"), 2,
                "workerpool reload: unknown option '--pidfle'");
        assertOneLineError(CliProcess.run(dir, "status", "--control", dir.toString()), 2,
                "workerpool status: --control must name the pool's control socket, got " + dir + ", which is a"
                        + " directory (give --pidfile FILE to find the socket beside the pidfile)");
        assertOneLineError(CliProcess.run(dir, "scale", "2", "--control", "/tmp/" + LONG + ".sock"), 2,
                "workerpool scale: --control socket path must be at most 107 bytes long, got 130 bytes");
        assertOneLineError(CliProcess.run(dir, "frobnicate"), 2, "workerpool: unknown command 'frobnicate'");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void managementCommandWithoutAPoolSaysSoAndExitsOne() throws Exception {
        Path pidFile = dir.resolve("pool.pid");
        assertOneLineError(CliProcess.run(dir, "status", "--pidfile", pidFile.toString()), 1,
                "workerpool status: no pool is running with pidfile " + pidFile + " (no control socket at "
                        + dir.resolve("pool.sock") + ")");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void runHelpShowsTheFlagsAndExamples() throws Exception {
        Result help = CliProcess.run(dir, "run", "--help");
        assertThat(help.exit()).as("%s", help).isZero();
        assertThat(help.out()).contains("WORKER_CLASS", "--worker-timeout=D", "--jvm-opt=OPT", "Examples:",
                "workerpool run --workers 4 --classpath app.jar com.example.MyWorker");
    }

    /**
     * Issue 17: every command's --help prints its usage and nothing on stderr (picocli warns there about a
     * description it cannot format, e.g. an unescaped '%'). In-process and alone, so System.err is ours.
     */
    @Test
    void everyHelpWritesNothingToStderr() {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            for (String command : new String[] {"run", "status", "stop", "reload", "scale", "restart",
                "logs-reopen", "upgrade"}) { // upgrade: issue 15
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int exit = WorkerpoolCli.execute(new String[] {command, "--help"}, new PrintWriter(out, true),
                        new PrintWriter(err, true));
                assertThat(exit).as(command).isZero();
                assertThat(out.toString()).as(command).contains("Usage: workerpool " + command);
                assertThat(err.toString()).as(command + " --help on the command's stderr").isEmpty();
            }
            StringWriter out = new StringWriter();
            assertThat(WorkerpoolCli.execute(new String[] {"--help"}, new PrintWriter(out, true),
                    new PrintWriter(new StringWriter(), true))).isZero();
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).as("System.err during --help")
                .isEmpty();
    }

    private static void assertOneLineError(Result result, int exit, String start) {
        assertThat(result.exit()).as("%s", result).isEqualTo(exit);
        assertThat(result.out()).as("%s", result).isEmpty();
        assertThat(result.errLines()).as("%s", result).singleElement().asString().startsWith(start)
                .doesNotContain("Exception").doesNotContain("\tat ");
    }
}
