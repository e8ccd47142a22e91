package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.cli.CliProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workerpool upgrade} (issue 15): the master replaced by a new master process on the same listening
 * socket. The pool is started from an argument file ({@code workerpool @file}), which the test edits between
 * start and upgrade: the new master reads it again. The file's name contains the events file's, so that
 * {@link CliProcess#close()} recognises (and kills) every JVM of both masters.
 */
class CliUpgradeTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final String HTTP_WORKER = "io.workerpool.cli.testworkers.HttpWorker";

    @TempDir
    Path dir;

    private Path events;
    private Path pidFile;
    private Path argFile;
    /** A port for --metrics, fixed: the new master must serve it at the same address. */
    private int metricsPort;

    private CliProcess startPool(int workers) throws IOException {
        events = dir.resolve("events.txt");
        pidFile = dir.resolve("pool.pid");
        argFile = dir.resolve("events.txt.args");
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            metricsPort = probe.getLocalPort();
        }
        writeArgs(workers, HTTP_WORKER);
        return CliProcess.start(dir, "master", events, pidFile, "@" + argFile);
    }

    private void writeArgs(int workers, String workerClass) throws IOException {
        Files.writeString(argFile, String.join("\n", "run", "--workers", Integer.toString(workers),
                "--check-interval", "200ms", "--stop-timeout", "10s", "--listen", "127.0.0.1:0", "--metrics",
                "127.0.0.1:" + metricsPort, "--pidfile",
                pidFile.toString(), "--classpath", TEST_CLASSES, workerClass, events.toString()) + "\n");
    }

    @Test
    void anUpgradeUnderHttpLoadFailsNoRequestAndTheNewMasterRunsTheNewSettings() throws Exception {
        try (CliProcess pool = startPool(2); HttpLoad load = new HttpLoad()) {
            pool.awaitEvents("worker-main [01] \\d+ .*", 2);
            Matcher port = LISTENING.matcher(pool.output());
            assertThat(port.find()).as(pool.output()).isTrue();
            long oldMaster = pool.process().pid();
            assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(oldMaster));
            long[] oldWorkers = {pool.workerPid(0), pool.workerPid(1)};
            load.start(Integer.parseInt(port.group(1)), 4);
            await().atMost(WAIT).until(() -> load.ok.get() >= 50);

            writeArgs(3, HTTP_WORKER);
            Result upgrade = CliProcess.run(dir, Duration.ofSeconds(120), "upgrade", "--pidfile", pidFile.toString());
            long okAtUpgrade = load.ok.get();

            assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
            Matcher newPid = Pattern.compile("new master: (\\d+)").matcher(upgrade.out());
            assertThat(newPid.find()).as(upgrade.toString()).isTrue();
            long newMaster = Long.parseLong(newPid.group(1));
            assertThat(upgrade.out()).as(upgrade.toString()).contains("old master: " + oldMaster)
                    .contains("changed: workers 2 -> 3");
            assertThat(newMaster).isNotEqualTo(oldMaster);
            // the old master and its workers leave; the pidfile and the control socket are the new master's
            assertThat(pool.process().waitFor(60, TimeUnit.SECONDS)).as(pool.output()).isTrue();
            assertThat(pool.process().exitValue()).as(pool.output()).isZero();
            pool.awaitEvents("worker-shutdown (0 " + oldWorkers[0] + "|1 " + oldWorkers[1] + ")", 2);
            for (long pid : oldWorkers) {
                await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
            }
            assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(newMaster));
            String status = ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString()));
            assertThat(status).contains("\"pid\":" + newMaster).contains("\"metrics\":\"127.0.0.1:" + metricsPort);
            assertThat(healthz()).as("the metrics address, handed over").startsWith("HTTP/1.1 200");
            assertThat(Pattern.compile("\"id\":\\d").matcher(status).results().count()).as(status).isEqualTo(3);
            List<Long> newWorkers = ProcessHandle.of(newMaster).orElseThrow().children().map(ProcessHandle::pid)
                    .toList();
            for (int id = 0; id < 3; id++) {
                assertThat(newWorkers).as("worker %d is a child of the new master", id)
                        .contains(pool.workerPid(id));
            }
            await().atMost(WAIT).until(() -> load.ok.get() >= okAtUpgrade + 50); // the new workers serve
            load.close();

            assertThat(load.failures).as("failed requests (of %d)", load.ok.get()).isEmpty();
            assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidFile.toString()))).endsWith("stopped");
        }
    }

    @Test
    void anUpgradeWhoseWorkersCannotBootRollsBackAndASecondOneMeanwhileIsRefused() throws Exception {
        try (CliProcess pool = startPool(1); HttpLoad load = new HttpLoad()) {
            pool.awaitEvents("worker-main 0 \\d+ .*", 1);
            Matcher port = LISTENING.matcher(pool.output());
            assertThat(port.find()).as(pool.output()).isTrue();
            long oldMaster = pool.process().pid();
            long oldWorker = pool.workerPid(0);
            load.start(Integer.parseInt(port.group(1)), 2);
            await().atMost(WAIT).until(() -> load.ok.get() >= 20);

            writeArgs(1, "io.workerpool.cli.testworkers.ThrowingConstructorWorker");
            try (CliProcess upgrade = CliProcess.start(dir, "upgrade", dir.resolve("no-events"), null, "upgrade",
                    "--pidfile", pidFile.toString())) {
                await().atMost(WAIT).until(() -> pool.output().contains("upgrade: new master pid"));
                Result second = CliProcess.run(dir, "upgrade", "--pidfile", pidFile.toString());
                assertThat(second.exit()).as(second.toString()).isEqualTo(1);
                assertThat(second.err()).as(second.toString()).contains("an upgrade is already under way");

                assertThat(upgrade.process().waitFor(120, TimeUnit.SECONDS)).as(upgrade.output()).isTrue();
                assertThat(upgrade.process().exitValue()).as(upgrade.output()).isEqualTo(1);
                assertThat(upgrade.output()).contains("rolled back")
                        .contains("constructor failure on purpose in worker 0")
                        .contains("master pid " + oldMaster + " keeps serving");
            }
            assertOldMasterAloneServes(pool, load, oldMaster, oldWorker);
        }
    }

    @Test
    void aNewMasterKilledMidUpgradeBySigusr2IsRolledBack() throws Exception {
        try (CliProcess pool = startPool(1); HttpLoad load = new HttpLoad()) {
            pool.awaitEvents("worker-main 0 \\d+ .*", 1);
            Matcher port = LISTENING.matcher(pool.output());
            assertThat(port.find()).as(pool.output()).isTrue();
            long oldMaster = pool.process().pid();
            long oldWorker = pool.workerPid(0);
            load.start(Integer.parseInt(port.group(1)), 2);
            await().atMost(WAIT).until(() -> load.ok.get() >= 20);

            writeArgs(1, "io.workerpool.cli.testworkers.ThrowingConstructorWorker");
            assertThat(new ProcessBuilder("kill", "-USR2", Long.toString(oldMaster)).start().waitFor()).isZero();
            Pattern started = Pattern.compile("upgrade: new master pid (\\d+) started");
            await().atMost(WAIT).until(() -> started.matcher(pool.output()).find());
            Matcher newMaster = started.matcher(pool.output());
            assertThat(newMaster.find()).isTrue();
            ProcessHandle.of(Long.parseLong(newMaster.group(1))).ifPresent(ProcessHandle::destroyForcibly);

            await().atMost(WAIT).until(() -> pool.output().contains("upgrade rolled back: the new master (pid "
                    + newMaster.group(1) + ") exited with status 137 before it was ready; this master (pid "
                    + oldMaster + ") keeps serving"));
            assertOldMasterAloneServes(pool, load, oldMaster, oldWorker);
        }
    }

    @Test
    void anOldMasterKilledMidUpgradeLeavesTheNewOneServingAlone() throws Exception {
        try (CliProcess pool = startPool(1); HttpLoad load = new HttpLoad()) {
            pool.awaitEvents("worker-main 0 \\d+ .*", 1);
            Matcher port = LISTENING.matcher(pool.output());
            assertThat(port.find()).as(pool.output()).isTrue();
            long oldMaster = pool.process().pid();
            long oldWorker = pool.workerPid(0);
            load.start(Integer.parseInt(port.group(1)), 2);
            await().atMost(WAIT).until(() -> load.ok.get() >= 20);

            writeArgs(2, HTTP_WORKER);
            try (CliProcess upgrade = CliProcess.start(dir, "upgrade", dir.resolve("no-events"), null, "upgrade",
                    "--pidfile", pidFile.toString())) {
                // the new master holds the listening socket: kill the old one before the new pool is ready
                await().atMost(WAIT).until(() -> pool.output().contains("the socket of master pid " + oldMaster));
                pool.process().destroyForcibly();

                assertThat(upgrade.process().waitFor(120, TimeUnit.SECONDS)).as(upgrade.output()).isTrue();
                assertThat(upgrade.process().exitValue()).as(upgrade.output()).isEqualTo(1);
                assertThat(upgrade.output()).contains("the master (pid " + oldMaster + ") died during the upgrade;"
                        + " the new master (pid");
            }
            long newMaster = Long.parseLong(Files.readString(pidFile).strip());
            assertThat(newMaster).isNotEqualTo(oldMaster);
            await().atMost(WAIT).until(() -> ProcessHandle.of(oldWorker).map(p -> !p.isAlive()).orElse(true));
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                String status = ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString()));
                assertThat(status).contains("\"pid\":" + newMaster);
                assertThat(Pattern.compile("\"state\":\"RUNNING\"").matcher(status).results().count()).as(status)
                        .isEqualTo(3); // the pool and its 2 workers
            });
            long okAfter = load.ok.get();
            await().atMost(WAIT).until(() -> load.ok.get() >= okAfter + 20);
            load.close();
            // what the killed master's worker had accepted is lost with it; nothing is refused
            assertThat(load.failures).as("failed requests (of %d)", load.ok.get())
                    .noneMatch(f -> f.contains("Connection refused"));
            assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidFile.toString()))).endsWith("stopped");
        }
    }

    /** After a rollback: nothing of the new master is left, the old one serves with its worker untouched. */
    private void assertOldMasterAloneServes(CliProcess pool, HttpLoad load, long oldMaster, long oldWorker)
            throws Exception {
        await().atMost(WAIT).untilAsserted(() -> assertThat(ProcessHandle.of(oldMaster).orElseThrow().descendants()
                .map(ProcessHandle::pid).toList()).containsExactly(oldWorker));
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".new-"))).isEmpty();
        }
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(oldMaster));
        assertThat(pool.workerPid(0)).isEqualTo(oldWorker);
        long okAfter = load.ok.get();
        await().atMost(WAIT).until(() -> load.ok.get() >= okAfter + 20);
        load.close();
        assertThat(load.failures).as("failed requests (of %d)", load.ok.get()).isEmpty();
        assertThat(ok(CliProcess.run(dir, "status", "--json", "--pidfile", pidFile.toString())))
                .contains("\"pid\":" + oldMaster);
        assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidFile.toString()))).endsWith("stopped");
    }

    private String healthz() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", metricsPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String ok(Result result) {
        assertThat(result.exit()).as(result.toString()).isZero();
        return result.out().strip();
    }

    /** HTTP requests on fresh connections from a few threads; every failure (refused, reset, bad reply) kept. */
    private static final class HttpLoad implements AutoCloseable {
        final AtomicLong ok = new AtomicLong();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private List<Thread> clients = List.of();

        void start(int port, int threads) {
            clients = IntStream.range(0, threads).mapToObj(i -> Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    request(port);
                }
            })).toList();
        }

        private void request(int port) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: test\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                if (response.startsWith("HTTP/1.1 200 OK") && response.endsWith("\n")) {
                    ok.incrementAndGet();
                } else {
                    failures.add("unexpected response: '" + response + "'");
                }
            } catch (IOException e) {
                failures.add(e.toString());
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread client : clients) {
                client.join(20_000);
            }
        }
    }
}
