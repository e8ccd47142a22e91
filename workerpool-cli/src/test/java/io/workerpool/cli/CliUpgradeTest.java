package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.cli.CliProcess.Result;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workerpool upgrade} and SIGUSR2 (issue 15): the master replaced by a new master process on the same
 * listening socket. One pool serves the whole class, under HTTP load from start to end; the tests run in order on
 * it, each leaving one master that serves (the last kills it): two rollbacks, an upgrade, the old master killed
 * after the handover, then before it. The pool is started from an argument file ({@code workerpool @file}),
 * which the tests edit before an upgrade: the new master reads it again. The file's name contains the events
 * file's, so that {@link CliProcess#close()} recognises (and kills) every JVM of every master. The masters have a
 * temp directory of their own, which must hold the serving master's worker-socket directory and nothing else
 * after each step. The daemon test has its own pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliUpgradeTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern STARTED = Pattern.compile("upgrade: new master pid (\\d+) started");
    private static final String HTTP_WORKER = "io.workerpool.cli.testworkers.HttpWorker";
    private static final String THROWING_WORKER = "io.workerpool.cli.testworkers.ThrowingConstructorWorker";

    @TempDir
    static Path dir;

    private Path events;
    private Path pidFile;
    private Path argFile;
    private Path tmp;
    /** A port for --metrics, fixed: each new master must serve it at the same address. */
    private int metricsPort;
    /** The command that started the first master; every master's log goes to its output. */
    private CliProcess pool;
    private final HttpLoad load = new HttpLoad();
    private int commands;

    @BeforeAll
    void startThePoolUnderLoad() throws IOException {
        events = dir.resolve("events.txt");
        pidFile = dir.resolve("pool.pid");
        argFile = dir.resolve("events.txt.args");
        tmp = Files.createDirectory(dir.resolve("tmp"));
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            metricsPort = probe.getLocalPort();
        }
        writeArgs(2, HTTP_WORKER);
        pool = CliProcess.start(dir, "master", events, pidFile, List.of("-Djava.io.tmpdir=" + tmp), "@" + argFile);
        pool.awaitEvents("worker-main [01] \\d+ .*", 2);
        Matcher port = LISTENING.matcher(pool.output());
        assertThat(port.find()).as(pool.output()).isTrue();
        load.start(Integer.parseInt(port.group(1)), 2);
        load.awaitAnswered(20);
    }

    @AfterAll
    void stopThePool() throws InterruptedException {
        load.close();
        if (pool != null) {
            pool.close();
        }
    }

    private void writeArgs(int workers, String workerClass) throws IOException {
        Files.writeString(argFile, String.join("\n", "run", "--workers", Integer.toString(workers),
                "--check-interval", "200ms", "--stop-timeout", "10s", "--listen", "127.0.0.1:0", "--metrics",
                "127.0.0.1:" + metricsPort, "--pidfile",
                pidFile.toString(), "--classpath", TEST_CLASSES, workerClass, events.toString()) + "\n");
    }

    @Test
    @Order(1)
    void anUpgradeWhoseWorkersCannotBootRollsBackAndASecondOneMeanwhileIsRefused() throws Exception {
        Serving before = serving();
        int failures = load.failures.size();
        writeArgs(1, THROWING_WORKER);
        int mark = pool.output().length();
        try (CliProcess upgrade = startUpgrade()) {
            await().atMost(WAIT).until(() -> STARTED.matcher(logSince(mark)).find());
            Result second = CliProcess.run(dir, "upgrade", "--pidfile", pidFile.toString());
            assertThat(second.exit()).as(second.toString()).isEqualTo(1);
            assertThat(second.err()).as(second.toString()).contains("an upgrade is already under way");
            signal("USR2", before.master);
            await().atMost(WAIT).until(() -> logSince(mark).contains("SIGUSR2: an upgrade is already under way"));

            assertThat(upgrade.process().waitFor(120, TimeUnit.SECONDS)).as(upgrade.output()).isTrue();
            assertThat(upgrade.process().exitValue()).as(upgrade.output()).isEqualTo(1);
            assertThat(upgrade.output()).contains("rolled back").contains("no worker could boot")
                    .contains("constructor failure on purpose in worker 0")
                    .contains("master pid " + before.master + " keeps serving");
        } finally {
            writeArgs(2, HTTP_WORKER);
        }
        assertServesAsBefore(before, failures);
    }

    @Test
    @Order(2)
    void aNewMasterKilledAfterItTookTheSocketIsRolledBackAndTheCommandSaysWhy() throws Exception {
        Serving before = serving();
        int failures = load.failures.size();
        writeArgs(1, THROWING_WORKER); // its pool is not ready for seconds: the kill comes before
        int mark = pool.output().length();
        try (CliProcess upgrade = startUpgrade()) {
            long newMaster = newMasterStarted(mark);
            // it holds the listening socket, its worker-socket directory and its temporary control socket
            await().atMost(WAIT).until(() -> logSince(mark).contains("the socket of master pid " + before.master)
                    && logSince(mark).contains("(pid " + newMaster + ")"));
            signal("KILL", newMaster);

            assertThat(upgrade.process().waitFor(60, TimeUnit.SECONDS)).as(upgrade.output()).isTrue();
            assertThat(upgrade.process().exitValue()).as(upgrade.output()).isEqualTo(1);
            assertThat(upgrade.output()).contains("the new master (pid " + newMaster + ") exited with status 137"
                    + " before it was ready; master pid " + before.master + " keeps serving");
        } finally {
            writeArgs(2, HTTP_WORKER);
        }
        assertThat(pool.output()).contains("upgrade rolled back: the new master (pid");
        assertServesAsBefore(before, failures);
    }

    @Test
    @Order(3)
    void anUpgradeUnderHttpLoadFailsNoRequestAndTheNewMasterRunsTheNewSettings() throws Exception {
        Serving before = serving();
        int failures = load.failures.size();
        writeArgs(3, HTTP_WORKER);
        Result upgrade = CliProcess.run(dir, Duration.ofSeconds(120), "upgrade", "--pidfile", pidFile.toString());

        assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
        Matcher newPid = Pattern.compile("new master: (\\d+)").matcher(upgrade.out());
        assertThat(newPid.find()).as(upgrade.toString()).isTrue();
        long newMaster = Long.parseLong(newPid.group(1));
        assertThat(upgrade.out()).as(upgrade.toString()).contains("old master: " + before.master)
                .contains("changed: workers 2 -> 3");
        assertThat(newMaster).isNotEqualTo(before.master);
        // the old master and its workers leave; the pidfile and the control socket are the new master's
        assertThat(pool.process().waitFor(60, TimeUnit.SECONDS)).as(pool.output()).isTrue();
        assertThat(pool.process().exitValue()).as(pool.output()).isZero();
        pool.awaitEvents("worker-shutdown (0 " + before.workers.get(0) + "|1 " + before.workers.get(1) + ")", 2);
        awaitGone(before.workers);
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(newMaster));
        String status = ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString()));
        assertThat(status).contains("\"pid\":" + newMaster).contains("\"metrics\":\"127.0.0.1:" + metricsPort);
        assertThat(http("/healthz")).as("the metrics address, handed over").startsWith("HTTP/1.1 200");
        assertThat(Pattern.compile("\"id\":\\d").matcher(status).results().count()).as(status).isEqualTo(3);
        List<Long> newWorkers = children(newMaster);
        for (int id = 0; id < 3; id++) {
            assertThat(newWorkers).as("worker %d is a child of the new master", id).contains(pool.workerPid(id));
        }
        load.awaitAnswered(20); // the new workers serve
        // the new master's metrics hear the pool's news from its takeover on: a restart is counted
        ok(CliProcess.run(dir, "restart", "0", "--pidfile", pidFile.toString()));
        assertThat(http("/metrics")).containsPattern(
                "workerpool_reloads_total\\{kind=\"restart\",result=\"completed\"} 1(\\.0)?\\s");
        assertThat(failuresSince(failures)).as("failed requests (of %d)", load.ok.get()).isEmpty();
        assertTempHoldsOnlyTheServingMaster();
    }

    @Test
    @Order(4)
    void anOldMasterKilledAfterTheHandoverLeavesTheNewOneServingAloneAndNothingOfTheOld() throws Exception {
        Serving before = serving();
        int failures = load.failures.size();
        writeArgs(2, HTTP_WORKER);
        int mark = pool.output().length();
        signal("USR2", before.master); // no command waits: the new master removes the upgrade's directory
        // the new master holds the listening socket: kill the old one before the new pool is ready
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> logSince(mark).contains("the socket of master pid " + before.master));
        signal("KILL", before.master);

        await().atMost(WAIT).until(() -> logSince(mark).contains("took over from master pid " + before.master));
        long newMaster = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(newMaster).isNotEqualTo(before.master);
        awaitGone(before.workers); // by their parent-death signal
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String status = ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString()));
            assertThat(status).contains("\"pid\":" + newMaster);
            assertThat(Pattern.compile("\"state\":\"RUNNING\"").matcher(status).results().count()).as(status)
                    .isEqualTo(3); // the pool and its 2 workers
        });
        load.awaitAnswered(20);
        // what the killed master's workers had accepted is lost with them; nothing is refused
        assertThat(failuresSince(failures)).as("failed requests (of %d)", load.ok.get())
                .noneMatch(f -> f.contains("Connection refused"));
        assertTempHoldsOnlyTheServingMaster();
    }

    @Test
    @Order(5)
    void anOldMasterKilledBeforeTheNewOneFetchedTheSocketLeavesNoMasterAndNothingBehind() throws Exception {
        Serving before = serving();
        load.awaitAnswered(10);
        load.close(); // no pool serves after this
        assertThat(load.failures).as("requests failed before this test").noneMatch(f -> f.contains("refused"));
        int mark = pool.output().length();
        try (CliProcess upgrade = startUpgrade()) {
            // a new JVM needs far longer than this to reach the handoff
            await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> STARTED.matcher(logSince(mark)).find());
            signal("KILL", before.master);
            long newMaster = newMasterStarted(mark);

            assertThat(upgrade.process().waitFor(60, TimeUnit.SECONDS)).as("%s%nmaster log:%n%s%ntmp: %s%n%s",
                    upgrade.output(), logSince(mark), filesIn(tmp), ProcessHandle.of(newMaster).map(p -> p.info()
                    .toString() + " " + readProcStat(newMaster)).orElse("gone")).isTrue();
            assertThat(upgrade.process().exitValue()).as(upgrade.output()).isEqualTo(1);
            assertThat(upgrade.output()).contains("the master (pid " + before.master + ") died during the upgrade;"
                    + " the new master (pid " + newMaster + ") gave up: cannot take over the listening socket: master"
                    + " pid " + before.master + " died before it handed it over").contains("no master runs");
            awaitGone(List.of(newMaster));
        }
        awaitGone(before.workers);
        String log = logSince(mark);
        assertThat(log.lines().filter(l -> l.contains("cannot take over the listening socket")))
                .as("the new master's one line, in:%n%s", log).hasSize(1);
        assertThat(log).doesNotContain("\tat ").doesNotContain("pool starting");
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains(events.toString())).orElse(false)).map(ProcessHandle::pid).toList())
                .as("no process of either master is left").isEmpty();
        // nothing half-owned: the dead master's pidfile and control socket are removed with its temp files
        assertThat(pidFile).doesNotExist();
        assertThat(dir.resolve("pool.sock")).doesNotExist();
        assertThat(filesIn(tmp)).isEmpty();
        assertThat(filesIn(dir)).noneMatch(n -> n.contains(".new-"));
    }

    @Test
    @Order(6)
    void aDaemonIsUpgradedInPlaceAndItsLogGoesOnInTheSameFile() throws Exception {
        Path daemonDir = Files.createDirectory(dir.resolve("daemon"));
        Path daemonEvents = daemonDir.resolve("events.txt");
        Path daemonPid = daemonDir.resolve("pool.pid");
        Path log = daemonDir.resolve("master.log");
        List<String> tmpBefore = filesIn(tmp); // the class's pool, if it still runs
        try (CliProcess launcher = CliProcess.start(daemonDir, "launcher", daemonEvents, daemonPid,
                List.of("-Djava.io.tmpdir=" + tmp), "run", "--daemon", "--pidfile", daemonPid.toString(),
                "--log-file", log.toString(), "--workers", "1", "--check-interval", "200ms", "--listen",
                "127.0.0.1:0", "--classpath", TEST_CLASSES, HTTP_WORKER, daemonEvents.toString())) {
            assertThat(launcher.process().waitFor(60, TimeUnit.SECONDS)).as(launcher.output()).isTrue();
            assertThat(launcher.process().exitValue()).as(launcher.output()).isZero();
            long oldMaster = Long.parseLong(Files.readString(daemonPid).strip());
            launcher.awaitEvents("worker-main 0 \\d+ .*", 1);
            long oldWorker = launcher.workerPid(0);

            Result upgrade = CliProcess.run(daemonDir, Duration.ofSeconds(120), "upgrade", "--pidfile",
                    daemonPid.toString());
            assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
            Matcher newPid = Pattern.compile("new master: (\\d+)").matcher(upgrade.out());
            assertThat(newPid.find()).as(upgrade.toString()).isTrue();
            long newMaster = Long.parseLong(newPid.group(1));
            assertThat(Files.readString(daemonPid).strip()).isEqualTo(Long.toString(newMaster));
            awaitGone(List.of(oldMaster, oldWorker));
            String status = ok(CliProcess.run(daemonDir, "status", "--json", "--pidfile", daemonPid.toString()));
            assertThat(status).contains("\"pid\":" + newMaster);
            assertThat(ProcessHandle.of(newMaster).orElseThrow().info().commandLine().orElse(""))
                    .contains("--daemon");
            assertThat(Files.readString(log)).as("both masters log to the daemon's file")
                    .contains("upgrade: master pid " + newMaster + " took over")
                    .contains("took over from master pid " + oldMaster);

            assertThat(ok(CliProcess.run(daemonDir, "stop", "--pidfile", daemonPid.toString()))).endsWith("stopped");
            awaitGone(List.of(newMaster));
            assertThat(Files.readString(log)).contains("pool stopped");
            assertThat(daemonPid).doesNotExist();
            // no upgrade directory, status file or worker-socket directory of either daemon
            await().atMost(WAIT).untilAsserted(() -> assertThat(filesIn(tmp)).isEqualTo(tmpBefore));
        }
    }

    /** A master and its workers, as they serve before a step. */
    private record Serving(long master, List<Long> workers) {
    }

    private Serving serving() throws IOException {
        long master = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(master).map(ProcessHandle::isAlive)).as("master %d serves", master)
                .contains(true);
        return new Serving(master, children(master));
    }

    /** After a rollback: nothing of the new master is left, the old one serves with its workers untouched. */
    private void assertServesAsBefore(Serving before, int failures) throws Exception {
        await().atMost(WAIT).untilAsserted(() -> assertThat(ProcessHandle.of(before.master).orElseThrow()
                .descendants().map(ProcessHandle::pid).toList()).containsExactlyInAnyOrderElementsOf(before.workers));
        assertThat(filesIn(dir)).noneMatch(n -> n.contains(".new-"));
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(before.master));
        load.awaitAnswered(20);
        assertThat(failuresSince(failures)).as("failed requests (of %d)", load.ok.get()).isEmpty();
        assertThat(ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString())))
                .contains("\"pid\":" + before.master);
        assertTempHoldsOnlyTheServingMaster();
    }

    /** No upgrade's directory, no dead master's worker-socket directory: the serving master's alone. */
    private void assertTempHoldsOnlyTheServingMaster() {
        await().atMost(WAIT).untilAsserted(() -> assertThat(filesIn(tmp)).as("files in the masters' temp directory")
                .hasSize(1).allMatch(n -> n.startsWith("workerpool-") && !n.startsWith("workerpool-upgrade-")));
    }

    private CliProcess startUpgrade() throws IOException {
        return CliProcess.start(dir, "upgrade-" + ++commands, dir.resolve("no-events"), null, "upgrade",
                "--pidfile", pidFile.toString());
    }

    private long newMasterStarted(int mark) {
        await().atMost(WAIT).until(() -> STARTED.matcher(logSince(mark)).find());
        Matcher started = STARTED.matcher(logSince(mark));
        assertThat(started.find()).isTrue();
        return Long.parseLong(started.group(1));
    }

    private String logSince(int mark) {
        String log = pool.output();
        return log.length() < mark ? "" : log.substring(mark);
    }

    private List<String> failuresSince(int mark) {
        return load.failures.stream().skip(mark).toList();
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
    }

    private static List<Long> children(long pid) {
        return ProcessHandle.of(pid).orElseThrow().children().map(ProcessHandle::pid).toList();
    }

    /** Waits until each pid has exited: a zombie (a master re-parented to init, not reaped yet) counts. */
    private static void awaitGone(List<Long> pids) {
        for (long pid : pids) {
            await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)
                    || readProcStat(pid).matches("(?s)\\d+ \\(.*\\) [ZX] .*"));
        }
    }

    private static String readProcStat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    private String http(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", metricsPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
                    ).getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String ok(Result result) {
        assertThat(result.exit()).as(result.toString()).isZero();
        return result.out().strip();
    }
}
