package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers that abuse their worker channel (see {@code testapp.FaultBehaviours}), and a stranger on the master's
 * worker socket. Each abuser is logged by id and pid, killed and replaced; worker 0, a bystander, keeps its JVM
 * and its heartbeats throughout. Also: the per-spawn secret is in no process's command line.
 */
class FaultHostileWorkerTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration KILLED = Duration.ofSeconds(30);
    private static final int WORKER_TIMEOUT_MS = 20_000;
    private static final Pattern WORKER_STATUS = Pattern.compile(
            "\\{\"id\":(\\d+),\"pid\":(\\d+),\"state\":\"(\\w+)\"[^}]*\"heartbeatAgeMillis\":(\\d+)");

    @TempDir
    Path dir;

    @Test
    void workersThatBreakTheProtocolAreKilledAndReplacedAloneEach() throws Exception {
        Map<String, String> acts = Map.of(
                "close", "exited \\(exit status 4\\) after [\\d.]+ m?s(?: of JVM uptime)?: its worker channel to the"
                        + " master closed under it",
                "garbage", "broke the worker-channel protocol \\(unknown message type 127\\): killing it",
                "oversized", "broke the worker-channel protocol \\(frame length 2097152 outside 1\\.\\.1048576\\): killing it",
                "hello-again", "broke the worker-channel protocol \\(a worker may not send Hello\\): killing it");
        runHostile(List.of("close", "garbage", "oversized", "hello-again"), acts);
    }

    @Test
    void workersThatPassForAnotherAreRefusedKilledAndReplaced() throws Exception {
        Map<String, String> acts = Map.of(
                "forge-own", "opened another worker-channel connection claiming to be worker 0 with its own secret: killing it",
                "forge-stolen", "opened another worker-channel connection claiming to be worker 0 with worker 0's secret:"
                        + " killing it");
        String log = runHostile(List.of("forge-own", "forge-stolen"), acts);
        assertThat(log).containsPattern("refused a worker-channel connection claiming to be worker 0 \\(pid \\d+\\): its"
                + " secret was given to worker 1")
                .containsPattern("refused a worker-channel connection claiming to be worker 0 \\(pid \\d+\\): worker 0's JVM"
                        + " has pid \\d+");
    }

    /**
     * Worker 0 loops; workers 1.. each do one act once, all at the same moment. Returns the master's log.
     *
     * @param expected for each act, what the master logs after "worker N [RUNNING] (pid P) "
     */
    private String runHostile(List<String> order, Map<String, String> expected) throws Exception {
        Path go = dir.resolve("go");
        Path pidfile = dir.resolve("pool.pid");
        PoolProcess.Builder builder = PoolProcess.in(dir).with("workers", order.size() + 1)
                .with("pidfile", pidfile).with("workerTimeoutMs", WORKER_TIMEOUT_MS)
                .with("go", go).with("hostile.once", dir.resolve("once"));
        for (int i = 0; i < order.size(); i++) {
            builder.with("behaviour." + (i + 1), "hostile-" + order.get(i));
        }
        try (PoolProcess pool = builder.start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", order.size() + 1, START);
            pool.awaitLog("pool ready", START);
            long bystander = pool.workerPid(0);
            Map<Integer, Long> hostile = new HashMap<>();
            for (int id = 1; id <= order.size(); id++) {
                hostile.put(id, pool.workerPid(id));
            }
            Path ready = dir.resolve("go.tmp");
            Files.writeString(ready, bystander + "\n");
            Files.move(ready, go, StandardCopyOption.ATOMIC_MOVE);

            for (int id = 1; id <= order.size(); id++) {
                String act = order.get(id - 1);
                long pid = hostile.get(id);
                pool.awaitEvent("hostile " + act + " " + id + " " + pid); // recorded just before the act
                await().atMost(KILLED).alias(act + ": worker " + id + " (pid " + pid + ") still running\n" + pool.tail())
                        .until(() -> !Signal.alive(pid));
                pool.awaitEvents("worker-main " + id + " \\d+", 2, START);
                assertThat(pool.workerPid(id)).as(act).isNotEqualTo(pid);
                assertThat(pool.log()).as(act).containsPattern("worker " + id + " \\[RUNNING\\] \\(pid " + pid + "\\) "
                        + expected.get(act));
            }
            assertBystanderUndisturbed(pool, dir.resolve("pool.sock"), bystander);
            String log = pool.log();
            assertThat(log).doesNotContainPattern("worker 0 \\[\\w+\\] \\(pid " + bystander + "\\) (exited|broke|sent no"
                    + " heartbeat|opened)");
            return log;
        }
    }

    @Test
    void aStrangerOnTheWorkerSocketIsRefusedAndDisturbsNothing() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long worker0 = pool.workerPid(0);
            long worker1 = pool.workerPid(1);
            Path workerSocket = Path.of(environ(worker0).get("WORKERPOOL_CHANNEL_SOCKET"));

            try (SocketChannel silent = connect(workerSocket);
                 SocketChannel junk = connect(workerSocket);
                 SocketChannel forger = connect(workerSocket)) {
                write(junk, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                awaitClosedByMaster(junk, Duration.ofSeconds(10));
                pool.awaitLog("refused a worker-channel connection: frame length 1195725856 outside 1..1048576", START);

                // A hello with a made-up secret, claiming worker 0's id and pid: refused, and worker 0 is not blamed.
                new FrameChannel(forger).send(new Message.Hello(0, worker0, "00".repeat(24)));
                awaitClosedByMaster(forger, Duration.ofSeconds(10));
                // The kernel names the sender (this test's JVM), whatever pid the hello claims.
                pool.awaitLog("refused a worker-channel connection claiming to be worker 0 (pid " + worker0 + ", sent by pid "
                        + ProcessHandle.current().pid() + "): its secret is not one this master gave to a worker JVM"
                        + " that is alive", START);

                // Says nothing: closed once the hello timeout (10 s) has passed.
                awaitClosedByMaster(silent, Duration.ofSeconds(30));
                pool.awaitLog("refused a worker-channel connection: no hello within 10000 ms", START);
            }
            assertThat(pool.workerPid(0)).isEqualTo(worker0);
            assertThat(pool.workerPid(1)).isEqualTo(worker1);
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(2);
            assertBystanderUndisturbed(pool, dir.resolve("pool.sock"), worker0);
        }
    }

    @Test
    void theSecretOfEachSpawnIsInNoCommandLine() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("spares", 1).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            await().atMost(START).until(() -> ProcSample.childrenOf(pool.pid()).size() >= 3);
            List<Long> jvms = ProcSample.childrenOf(pool.pid());
            Map<Long, String> secrets = new HashMap<>();
            for (long pid : jvms) {
                String secret = environ(pid).get("WORKERPOOL_SECRET");
                assertThat(secret).as("secret of pid %d", pid).matches("[0-9a-f]{48}");
                secrets.put(pid, secret);
            }
            assertThat(secrets.values()).doesNotHaveDuplicates();
            List<Long> processes = new java.util.ArrayList<>(jvms);
            processes.add(pool.pid());
            for (long pid : processes) {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                        StandardCharsets.UTF_8);
                assertThat(cmdline).as("command line of pid %d", pid).contains("-Devents=");
                for (String secret : secrets.values()) {
                    assertThat(cmdline).as("command line of pid %d", pid).doesNotContain(secret);
                }
            }
            assertThat(environ(pool.pid())).doesNotContainKey("WORKERPOOL_SECRET");
        }
    }

    /** Same JVM, still running, heartbeating (status shows a fresh heartbeat), started once. */
    private static void assertBystanderUndisturbed(PoolProcess pool, Path controlSocket, long pid) throws IOException {
        assertThat(Signal.alive(pid)).isTrue();
        assertThat(pool.workerPid(0)).isEqualTo(pid);
        assertThat(pool.count("worker-start 0 \\d+")).isEqualTo(1);
        String status = ManagementSocketTest.request(controlSocket, "status");
        Matcher m = WORKER_STATUS.matcher(status);
        boolean found = false;
        while (m.find()) {
            if (m.group(1).equals("0")) {
                found = true;
                assertThat(Long.parseLong(m.group(2))).isEqualTo(pid);
                assertThat(m.group(3)).isEqualTo("RUNNING");
                // beats every workerTimeout / 5 (4 s here)
                assertThat(Long.parseLong(m.group(4))).as(status).isLessThan(WORKER_TIMEOUT_MS / 2);
            }
        }
        assertThat(found).as(status).isTrue();
    }

    static Map<String, String> environ(long pid) throws IOException {
        Map<String, String> env = new HashMap<>();
        String text = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
        for (String entry : text.split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The master closed its end: a read sees the end of the stream (or a reset). */
    private static void awaitClosedByMaster(SocketChannel channel, Duration atMost) throws IOException {
        channel.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(4096);
        await().atMost(atMost).pollInterval(Duration.ofMillis(20)).until(() -> {
            try {
                return channel.read(sink.clear()) < 0;
            } catch (IOException e) {
                return true;
            }
        });
    }
}
