package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue of hostile workers (issue 12), against one shared pool: worker 0 is a library worker (the
 * bystander), workers 1 to 4 are hand-written ones ({@code testapp.HostilePool}) that do one act each when told.
 * For every act: the master answers {@code status} within 1 s throughout (a prober asks every 100 ms), its
 * descriptors stay within {@link MasterWatch#FD_MARGIN} of the baseline and its heap within its fixed 64 MiB (past it, an
 * OutOfMemoryError would end the master and the test), the bystander keeps its pid, and the offender is dealt with
 * as {@code docs/reliability.md} says: killed and replaced with a line saying why, or, for text, printed escaped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileWorkersTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration DEALT_WITH = Duration.ofSeconds(30);
    private static final int WORKER_TIMEOUT_MS = 10_000;

    @TempDir
    static Path dir;
    private PoolProcess pool;
    private Path acts;
    private Path controlSocket;
    private long bystander;
    private MasterWatch watch;

    @BeforeAll
    void startPool() throws Exception {
        acts = Files.createDirectory(dir.resolve("acts"));
        controlSocket = dir.resolve("pool.sock");
        pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.HostilePool")
                .jvmOption("-Xms64m").jvmOption("-Xmx64m")
                .with("workers", 6).with("pidfile", dir.resolve("pool.pid"))
                .with("workerTimeoutMs", WORKER_TIMEOUT_MS).with("acts", acts)
                .with("listenUnix", dir.resolve("app.sock"))
                .with("behaviour", "raw").with("behaviour.0", "loop").with("behaviour.5", "alive")
                .start();
        pool.awaitEvents("worker-start \\d+ \\d+", 6, START);
        pool.awaitLog("pool ready", START);
        bystander = pool.workerPid(0);
        watch = new MasterWatch(pool, controlSocket);
    }

    @AfterAll
    void stopPool() throws InterruptedException {
        if (watch != null) {
            watch.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @BeforeEach
    void resetProbe() {
        watch.reset();
    }

    /** What holds after every act. */
    @AfterEach
    void masterUndisturbed() {
        watch.assertUndisturbed();
        assertThat(pool.workerPid(0)).as("bystander pid").isEqualTo(bystander);
        assertThat(Signal.alive(bystander)).isTrue();
        assertThat(pool.count("worker-start 0 \\d+")).isEqualTo(1);
        assertThat(pool.log()).doesNotContainPattern("worker 0 \\[\\w+\\] \\(pid " + bystander + "\\) (exited|broke|sent"
                + " no heartbeat|opened|has not read|does not read)");
    }

    @Test
    void aFloodOfStartedFramesIsAProtocolErrorNotAFloodOfEvents() throws Exception {
        assertKilledAndReplaced(1, "flood-started", "broke the worker-channel protocol \\(a second Started\\): killing it");
    }

    @Test
    void aFloodOfEveryFrameTypeCostsOnlyItsSender() throws Exception {
        assertKilledAndReplaced(2, "flood-all", "broke the worker-channel protocol \\(a second Stopping\\): killing it");
    }

    @Test
    void aWorkerThatStopsReadingIsKilledAndTheLoopNeverWaitsForIt() throws Exception {
        assertKilledAndReplaced(3, "deaf", "(has not read|does not read) its worker channel.*: killing it");
    }

    @Test
    void aHelloClaimingAnotherPidIsBlamedOnItsSenderAsTheKernelSays() throws Exception {
        long sender = assertKilledAndReplaced(4, "forge-pid " + bystander,
                "opened another worker-channel connection claiming to be worker 4 with its own secret: killing it");
        assertThat(pool.log()).contains("refused a worker-channel connection claiming to be worker 4 (pid " + bystander
                + ", sent by pid " + sender + "): worker 4's JVM has pid " + sender);
    }

    @Test
    void aWorkerThatConnectsTwiceIsRefusedAndKilled() throws Exception {
        assertKilledAndReplaced(1, "connect-twice",
                "opened another worker-channel connection claiming to be worker 1 with its own secret: killing it");
    }

    @Test
    void aTruncatedFrameLeavesItsSenderSilentAndItIsKilledAsStale() throws Exception {
        assertKilledAndReplaced(2, "truncated", "sent no heartbeat for \\d+ ms");
    }

    @Test
    void anOversizedFrameIsAProtocolError() throws Exception {
        assertKilledAndReplaced(3, "oversized",
                "broke the worker-channel protocol \\(frame length 2097152 outside 1\\.\\.1048576\\): killing it");
    }

    @Test
    void aWorkerThatNeverSaysHelloIsKilledAsStale() throws Exception {
        long pid = currentPid(4);
        Files.writeString(acts.resolve("boot.4"), "nohello");
        act(4, pid, "exit");
        await().atMost(START).until(() -> pool.count("act nohello 4 \\d+") == 1);
        long silent = Long.parseLong(pool.events().stream().filter(l -> l.startsWith("act nohello 4 ")).findFirst()
                .orElseThrow().split(" ")[3]);
        await().atMost(DEALT_WITH).alias("no-hello worker " + silent + " killed\n" + pool.tail())
                .until(() -> !Signal.alive(silent));
        assertThat(pool.log()).containsPattern("worker 4 \\[STARTING\\] \\(pid " + silent + "\\) sent no heartbeat");
        await().atMost(START).until(() -> pool.workerPid(4) != pid && Signal.alive(pool.workerPid(4)));
    }

    @Test
    void forwardedTextCannotPassForAnotherLineOfTheMastersLog() throws Exception {
        long pid = currentPid(1);
        act(1, pid, "inject");
        pool.awaitEvent("act-done inject 1 " + pid);
        pool.awaitLog("injected\\n00:00:00.000 [master] INFO  io.workerpool.Supervisor [main] - pool stopped\\u001b[2K",
                DEALT_WITH);
        String log = pool.log();
        assertThat(log).doesNotContainPattern("(?m)^00:00:00\\.000 \\[master\\]");
        assertThat(log).contains(" thread\\r\\n00:00:00.000 [master]"); // [worker-1 thread\r\n...
        assertThat(log).contains("logger=inject.logger\\n00:00:00.000 [master]");
        assertThat(log).contains("key\\n00:00:00.000 [master] INFO  io.workerpool.Supervisor [main] - pool stopped"
                + "=value\\r00:00:00.000");
        assertThat(Signal.alive(pid)).as("text is not misbehaviour: the worker lives").isTrue();
    }

    @Test
    void loggerNamesChosenByWorkersAreBounded() throws Exception {
        long pid = currentPid(2);
        act(2, pid, "loggers 16000");
        pool.awaitEvent("act-done loggers 2 " + pid);
        pool.awaitLog("last of the loggers", DEALT_WITH);
        assertThat(pool.log()).containsPattern("logger=many\\.loggers\\.last" + pid + ".* - last of the loggers");
        // The histogram stops the master for a full GC and a heap walk: no status probe is timed across it
        long loggers = watch.pausedDuring(() -> liveInstances(pool.pid(), "ch.qos.logback.classic.Logger"));
        assertThat(loggers).as("Logback loggers in the master after 32,000 distinct names").isLessThan(20_100);
    }

    @Test
    void aWorkerWhoseOwnLoopDeadlocksAfterCallingAliveIsDumpedKilledAndReplaced() throws Exception {
        long pid = assertKilledAndReplaced(5, "deadlock", "sent no heartbeat for \\d+ ms \\(workerTimeout "
                + WORKER_TIMEOUT_MS + " ms\\).*SIGQUIT");
        // the thread dump went to the worker's stderr, which is the master's here
        assertThat(pool.log()).contains("Worker.alive() not called for").contains("Found one Java-level deadlock")
                .contains("\"deadlock-partner\"");
        assertThat(pool.log()).containsPattern("worker 5 \\[\\w+\\] \\(pid " + pid + "\\) exited \\(signal 9");
    }

    @Test
    void slowClientsOfTheHandoffSocketCannotKeepARestartedWorkerFromItsListeningSocket() throws Exception {
        long holder = currentPid(1);
        act(1, holder, "hold-handoff 6"); // fewer than the 8 exchanges served at once: a slot stays free
        pool.awaitEvent("handoff-held 1 " + holder);
        long old = currentPid(5);
        assertThat(ManagementSocketTest.request(controlSocket, "restart 5")).isEqualTo("ok restarting worker 5");
        await().atMost(START).alias("worker 5 restarted with its descriptors\n" + pool.tail())
                .until(() -> pool.workerPid(5) != old && Signal.alive(pool.workerPid(5)));
        await().atMost(DEALT_WITH).alias("slow handoff clients cut off\n" + pool.tail())
                .until(() -> pool.count("handoff-cut 1 " + holder) == 1);
        assertThat(pool.log()).contains("an exchange took longer than 10000 ms: cut off");
        assertThat(Signal.alive(holder)).isTrue();
    }

    // ---- helpers ----

    /** Tells worker {@code id} to do {@code act}; waits until it is dead and replaced, and the line is logged. */
    private long assertKilledAndReplaced(int id, String act, String expectedLine) throws Exception {
        long pid = currentPid(id);
        act(id, pid, act);
        String name = act.split(" ")[0];
        await().atMost(DEALT_WITH).alias(name + ": worker " + id + " (pid " + pid + ") still running\n" + pool.tail())
                .until(() -> !Signal.alive(pid));
        await().atMost(DEALT_WITH).alias(name + ": log line '" + expectedLine + "'\n" + pool.tail())
                .until(() -> Pattern.compile("worker " + id + " \\[\\w+\\] \\(pid " + pid + "\\) " + expectedLine)
                        .matcher(pool.log()).find());
        await().atMost(START).alias(name + ": worker " + id + " replaced\n" + pool.tail())
                .until(() -> pool.workerPid(id) != pid && Signal.alive(pool.workerPid(id)));
        return pid;
    }

    /** The pid of worker {@code id}'s JVM, once it is up and waiting for acts. */
    private long currentPid(int id) {
        await().atMost(START).alias("worker " + id + " up\n" + pool.tail())
                .until(() -> pool.workerPid(id) > 0 && Signal.alive(pool.workerPid(id)));
        return pool.workerPid(id);
    }

    private void act(int id, long pid, String act) throws IOException {
        Path tmp = acts.resolve("act." + id + ".tmp");
        Files.writeString(tmp, act, StandardCharsets.UTF_8);
        Files.move(tmp, acts.resolve("act." + id), StandardCopyOption.ATOMIC_MOVE);
        pool.awaitEvent("act " + act.split(" ")[0] + " " + id + " " + pid);
    }

    /** Live instances of a class in a JVM (a full GC first), from {@code jcmd GC.class_histogram}. */
    static long liveInstances(long pid, String className) throws IOException, InterruptedException {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        Matcher m = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+" + Pattern.quote(className) + "\\s*$")
                .matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
