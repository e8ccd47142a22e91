package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.cli.CliProcess.Result;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
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
                        + "NoIdConstructorWorker(int id)", new String[] {PKG + "NoIdConstructorWorker"}));
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @MethodSource("badRuns")
    void badRunSaysWhatIsWrongInOneLine(String expected, String[] args) throws Exception {
        String[] command = Stream.concat(Stream.of("run", "--classpath", TEST_CLASSES), Stream.of(args))
                .toArray(String[]::new);
        Result result = CliProcess.run(dir, command);
        assertOneLineError(result, 2, "workerpool run: " + expected);
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void badManagementValuesExitTwo() throws Exception {
        assertOneLineError(CliProcess.run(dir, "scale", "0", "--pidfile", "pool.pid"), 2,
                "workerpool scale: N must be a whole number >= 1, got '0'");
        assertOneLineError(CliProcess.run(dir, "status"), 2,
                "workerpool status: say which pool: --pidfile FILE");
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

    private static void assertOneLineError(Result result, int exit, String start) {
        assertThat(result.exit()).as("%s", result).isEqualTo(exit);
        assertThat(result.out()).as("%s", result).isEmpty();
        assertThat(result.errLines()).as("%s", result).singleElement().asString().startsWith(start)
                .doesNotContain("Exception");
    }
}
