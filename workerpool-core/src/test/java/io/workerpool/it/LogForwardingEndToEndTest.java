package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.it.MasterLog.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real master and worker JVMs ({@code io.workerpool.testapp.LoggingPool}): records a worker logs through SLF4J
 * (Logback is on the class path, as in every test JVM) and through java.util.logging show up once in the
 * master's log file, with their logger name, level, message, thread, MDC, worker id and stack trace, and not in
 * the worker's own stdout or stderr.
 *
 * <p>Each test stops the master with SIGTERM and waits for it to exit before reading its log, so that "once"
 * means once in the whole run, not once so far.
 */
class LogForwardingEndToEndTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Pattern WORKER_MAIN = Pattern.compile("worker-main (\\d+) (\\d+)");

    @TempDir
    Path dir;

    private Path masterLog;
    private Path workerOut;
    private Path workerErr;

    private PoolProcess start(String scenario, MasterLogConfig config) throws IOException {
        return start(scenario, config, false);
    }

    private PoolProcess start(String scenario, MasterLogConfig config, boolean logBeforeMain) throws IOException {
        masterLog = dir.resolve("master-records.log");
        workerOut = dir.resolve("worker-stdout.txt");
        workerErr = dir.resolve("worker-stderr.txt");
        return PoolProcess.in(dir).mainClass("io.workerpool.testapp.LoggingPool")
                .jvmOption(config.writeFor(masterLog))
                .with("scenario", scenario).with("stdout", workerOut).with("stderr", workerErr)
                .with("logBeforeMain", logBeforeMain)
                .start();
    }

    /** SIGTERM, a clean exit, then every record the master wrote. */
    private List<Entry> stopAndReadLog(PoolProcess pool) throws Exception {
        pool.signal("TERM");
        assertThat(pool.waitFor(Duration.ofSeconds(30))).as("master exit status; log:\n%s", readable())
                .isZero();
        return MasterLog.read(masterLog);
    }

    private String readable() {
        try {
            return Files.exists(masterLog) ? Files.readString(masterLog) : "(no master log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Entry once(List<Entry> entries, String message) {
        List<Entry> found = MasterLog.withMessage(entries, message);
        assertThat(found).as("records with message '%s' in the master's log:\n%s\n%s", message, MasterLog.dump(entries),
                found.isEmpty() ? evidence() : "").hasSize(1);
        return found.getFirst();
    }

    /** What the files say when a record is missing: a record lost once under load and left no other trace. */
    private String evidence() {
        StringBuilder text = new StringBuilder();
        for (Path file : List.of(masterLog, workerOut, workerErr, dir.resolve("events.txt"), dir.resolve("master.log"))) {
            try {
                String content = Files.exists(file) ? Files.readString(file) : "(none)";
                text.append("---- ").append(file.getFileName()).append(" (last 6000 characters):\n")
                        .append(content.substring(Math.max(0, content.length() - 6000))).append('\n');
            } catch (IOException e) {
                text.append("---- ").append(file).append(": ").append(e).append('\n');
            }
        }
        return text.toString();
    }

    private static void absent(List<Entry> entries, String messageStart) {
        assertThat(entries).as("the master's log:\n%s", MasterLog.dump(entries))
                .noneMatch(e -> e.message().startsWith(messageStart));
    }

    /** The worker's stdout and stderr are its own (they have its marker lines) and hold none of its records. */
    private void assertWorkerPrintedNoRecord(long workerPid, String... recordTexts) throws IOException {
        String out = Files.readString(workerOut);
        String err = Files.readString(workerErr);
        assertThat(out).contains("stdout of worker 0 pid " + workerPid);
        assertThat(err).contains("stderr of worker 0 pid " + workerPid);
        for (String text : recordTexts) {
            assertThat(out).as("worker stdout").doesNotContain(text);
            assertThat(err).as("worker stderr").doesNotContain(text);
        }
    }

    private static long workerPid(PoolProcess pool, int index) {
        return pool.events().stream().map(WORKER_MAIN::matcher).filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(2))).skip(index).findFirst().orElseThrow();
    }

    @Test
    void slf4jRecordsFromAWorkerArriveOnceInTheMasterWithEveryPart() throws Exception {
        List<Entry> entries;
        long workerPid;
        try (PoolProcess pool = start("slf4j", MasterLogConfig.of())) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            workerPid = workerPid(pool, 0);
            entries = stopAndReadLog(pool);
        }
        Map<String, String> mdc = Map.of("order", "o-42", "user", "alice", "worker", "0");
        String logger = "com.acme.orders.OrderService";

        Entry info = once(entries, "slf4j info: order 42 placed by alice");
        assertThat(info).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc, Entry::more)
                .containsExactly("0", "INFO", logger, "worker-0 order-processor-7", mdc, List.of());
        Entry warn = once(entries, "slf4j warn: stock low for order 42");
        assertThat(warn).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc, Entry::more)
                .containsExactly("0", "WARN", logger, "worker-0 order-processor-7", mdc, List.of());
        Entry error = once(entries, "slf4j error: saving order 42 failed");
        assertThat(error).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc)
                .containsExactly("0", "ERROR", logger, "worker-0 order-processor-7", mdc);
        assertStackTrace(error.more(), "java.lang.IllegalStateException: order o-42 not saved",
                "\tat io.workerpool.testapp.LoggingPool$LoggingWorker.logThroughSlf4j(LoggingPool.java:",
                "Caused by: java.io.IOException: disk full");
        assertThat(entries.indexOf(info)).isLessThan(entries.indexOf(warn));
        assertThat(entries.indexOf(warn)).isLessThan(entries.indexOf(error));
        absent(entries, "slf4j trace");
        absent(entries, "slf4j debug");

        assertWorkerPrintedNoRecord(workerPid, "slf4j info", "slf4j warn", "slf4j error", "order o-42 not saved",
                "disk full");
    }

    @Test
    void julRecordsFromAWorkerArriveOnceInTheMasterWithEveryPart() throws Exception {
        List<Entry> entries;
        long workerPid;
        try (PoolProcess pool = start("jul", MasterLogConfig.of())) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            workerPid = workerPid(pool, 0);
            entries = stopAndReadLog(pool);
        }
        Map<String, String> mdc = Map.of("invoice", "i-9", "worker", "0");
        String logger = "com.acme.legacy.Billing";

        Entry info = once(entries, "jul info: invoice i-9 sent to bob");
        assertThat(info).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc, Entry::more)
                .containsExactly("0", "INFO", logger, "worker-0 billing-thread-3", mdc, List.of());
        Entry warning = once(entries, "jul warning: invoice i-9 is 3 days late");
        assertThat(warning).extracting(Entry::level, Entry::logger, Entry::thread, Entry::mdc)
                .containsExactly("WARN", logger, "worker-0 billing-thread-3", mdc);
        Entry severe = once(entries, "jul severe: billing failed");
        assertThat(severe).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc)
                .containsExactly("0", "ERROR", logger, "worker-0 billing-thread-3", mdc);
        assertStackTrace(severe.more(), "java.lang.IllegalStateException: invoice i-9 not billed",
                "\tat io.workerpool.testapp.LoggingPool$LoggingWorker.logThroughJul(LoggingPool.java:",
                "Caused by: java.io.IOException: ledger locked");
        // JUL let FINE through (the worker set the logger to ALL); the master's INFO for this name kept it out.
        absent(entries, "jul fine");

        assertWorkerPrintedNoRecord(workerPid, "jul info", "jul warning", "jul severe", "jul fine", "jul dated",
                "ledger locked");
    }

    @Test
    void slf4jRecordsLoggedInAWorkerJvmBeforeSupervisorMainAreForwardedOnceItConnects() throws Exception {
        List<Entry> entries;
        long workerPid;
        try (PoolProcess pool = start("slf4j", MasterLogConfig.of(), true)) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            workerPid = workerPid(pool, 0);
            entries = stopAndReadLog(pool);
        }
        // The program's main() logs before it builds the Supervisor, in the master and in the worker JVM alike.
        assertThat(once(entries, "slf4j before Supervisor.main in the master JVM"))
                .extracting(Entry::worker, Entry::mdc).containsExactly("master", Map.of());
        Entry early = once(entries, "slf4j before Supervisor.main in the worker JVM");
        assertThat(early).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc)
                .containsExactly("0", "INFO", "com.acme.Startup", "worker-0 main", Map.of("worker", "0"));
        assertThat(entries.indexOf(early)).as("kept until connected, sent first")
                .isLessThan(entries.indexOf(once(entries, "slf4j info: order 42 placed by alice")));
        assertWorkerPrintedNoRecord(workerPid, "slf4j before Supervisor.main");
    }

    @Test
    void julRecordsLoggedInAWorkerJvmBeforeSupervisorMainAreForwardedOnceItConnects() throws Exception {
        List<Entry> entries;
        long workerPid;
        try (PoolProcess pool = start("slf4j", MasterLogConfig.of(), true)) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            workerPid = workerPid(pool, 0);
            entries = stopAndReadLog(pool);
        }
        assertThat(once(entries, "jul before Supervisor.main in the worker JVM"))
                .extracting(Entry::worker, Entry::level, Entry::logger).containsExactly("0", "INFO", "com.acme.Startup");
        assertWorkerPrintedNoRecord(workerPid, "jul before Supervisor.main");
    }

    @Test
    void aRecordKeepsTheTimestampTheWorkerGaveIt() throws Exception {
        List<Entry> entries;
        try (PoolProcess pool = start("jul", MasterLogConfig.of())) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            entries = stopAndReadLog(pool);
        }
        // Logged through JUL with an explicit instant, so that the worker's timestamp can't be mistaken for
        // the time the master happened to write the record.
        Entry dated = once(entries, "jul dated: logged at 2001-02-03T04:05:06.789Z");
        assertThat(dated.time()).isEqualTo("2001-02-03 04:05:06.789");
    }

    @Test
    void theMastersLevelForEachLoggerDecidesWhatIsForwarded() throws Exception {
        List<Entry> entries;
        List<String> events;
        try (PoolProcess pool = start("levels", MasterLogConfig.of().level("com.acme.verbose", "DEBUG"))) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            events = pool.events();
            entries = stopAndReadLog(pool);
        }
        // What the worker's own loggers answer: the levels came from the master, so the worker doesn't even
        // build, let alone send, what the master would drop.
        assertThat(events).contains("enabled verbose.debug=true verbose.trace=false quiet.debug=false quiet.info=true");

        assertThat(once(entries, "levels: verbose debug")).extracting(Entry::level, Entry::logger)
                .containsExactly("DEBUG", "com.acme.verbose.Cache");
        assertThat(once(entries, "levels: quiet info")).extracting(Entry::level, Entry::logger)
                .containsExactly("INFO", "com.acme.quiet.Cache");
        assertThat(once(entries, "levels: jul verbose fine")).extracting(Entry::level, Entry::logger)
                .containsExactly("DEBUG", "com.acme.verbose.Jul");
        assertThat(once(entries, "levels: jul quiet info")).extracting(Entry::level, Entry::logger)
                .containsExactly("INFO", "com.acme.quiet.Jul");
        absent(entries, "levels: verbose trace");
        absent(entries, "levels: quiet debug");
        absent(entries, "levels: jul verbose finer");
        absent(entries, "levels: jul quiet fine");
    }

    @Test
    void aDebugRecordLoggedRightAfterGetLoggerIsNotLostWhileTheMastersLevelIsOnItsWay() throws Exception {
        List<Entry> entries;
        try (PoolProcess pool = start("levels", MasterLogConfig.of().level("com.acme.verbose", "DEBUG"))) {
            pool.awaitEvents("logged 0 \\d+", 1, START);
            entries = stopAndReadLog(pool);
        }
        assertThat(once(entries, "levels: verbose debug right after getLogger")).extracting(Entry::level)
                .isEqualTo("DEBUG");
    }

    @Test
    void anExceptionThrownByWorkerMainIsLoggedInTheMasterWithItsStackTrace() throws Exception {
        List<Entry> entries;
        long firstPid;
        try (PoolProcess pool = start("throw", MasterLogConfig.of())) {
            // The first JVM throws; its replacement runs until stopped.
            pool.awaitEvents("logged 0 \\d+", 1, START);
            firstPid = workerPid(pool, 0);
            entries = stopAndReadLog(pool);
        }
        Entry failed = once(entries,
                "worker 0 main() failed: java.lang.IllegalStateException: main failed on purpose in worker 0");
        assertThat(failed).extracting(Entry::worker, Entry::level, Entry::logger, Entry::thread, Entry::mdc)
                .containsExactly("0", "ERROR", "io.workerpool.Worker", "worker-0 main", Map.of("worker", "0"));
        assertStackTrace(failed.more(), "java.lang.IllegalStateException: main failed on purpose in worker 0",
                "\tat io.workerpool.testapp.LoggingPool$LoggingWorker.main(LoggingPool.java:",
                "Caused by: java.io.IOException: socket reset by peer");
        // The pool's own line about the exit comes after the worker's record, and names the same JVM.
        Entry exited = entries.stream().filter(e -> e.logger().equals("io.workerpool.Supervisor")
                && e.message().contains("(pid " + firstPid + ") exited")).findFirst().orElseThrow(
                        () -> new AssertionError("no exit line for pid " + firstPid + ":\n" + MasterLog.dump(entries)));
        assertThat(exited.message()).contains("main() threw");
        assertThat(entries.indexOf(failed)).isLessThan(entries.indexOf(exited));
        assertWorkerPrintedNoRecord(firstPid, "main() failed", "main failed on purpose", "socket reset by peer");
    }

    /** The lines follow each other in this order (each a prefix of its line); other lines may come between. */
    private static void assertStackTrace(List<String> lines, String... expectedInOrder) {
        int from = 0;
        for (String expected : expectedInOrder) {
            int found = -1;
            for (int i = from; i < lines.size(); i++) {
                if (lines.get(i).startsWith(expected)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("'%s' after line %d of the stack trace:\n%s", expected, from, String.join("\n", lines))
                    .isNotNegative();
            from = found + 1;
        }
        assertThat(lines.getFirst()).as("the first line of the stack trace").isEqualTo(expectedInOrder[0]);
    }
}
