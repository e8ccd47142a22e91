package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master is SIGKILLed at any moment: before its workers exist, while they boot, while running, during a
 * rolling reload, during a graceful stop. Every JVM it started (workers, hot spare, reload successor) is gone
 * within {@link #GONE}, and a new master takes the same pidfile right away (the lock died with the old master;
 * its pid still written there must not stop the new one) and runs its workers; it also removes the directory of
 * worker sockets the killed master left in the temp directory.
 */
class FaultMasterKillTest {
    private static final Duration START = Duration.ofSeconds(60);
    /**
     * From the SIGKILL of the master to the last of its JVMs gone: under a second for running workers; a JVM still
     * booting lives until it reaches its connect to the master (5 s measured at load 26 on 2 cores).
     */
    private static final Duration GONE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void killedBeforeAnyWorkerIsStarted() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = pool(pidfile, "loop").start()) {
            // The pidfile is written before any worker starts; kill right then.
            await().atMost(START).pollInterval(Duration.ofMillis(5))
                    .until(() -> Files.exists(pidfile) && !Files.readString(pidfile).isBlank());
            killAndExpectNoSurvivor(pool, "before any worker");
        }
        assertANewMasterRunsOn(pidfile, null);
    }

    @Test
    void killedWhileItsWorkersBoot() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = pool(pidfile, "loop").start()) {
            await().atMost(START).pollInterval(Duration.ofMillis(5))
                    .until(() -> !ProcSample.childrenOf(pool.pid()).isEmpty());
            assertThat(pool.count("worker-start \\d+ \\d+")).as("no worker has started yet").isZero();
            killAndExpectNoSurvivor(pool, "while workers boot");
        }
        assertANewMasterRunsOn(pidfile, null);
    }

    @Test
    void killedWhileRunning() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = pool(pidfile, "loop").start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            awaitChildren(pool, 3); // and the hot spare
            Path workerSocketDirectory = Path.of(FaultHostileWorkerTest.environ(pool.workerPid(0))
                    .get("WORKERPOOL_CHANNEL_SOCKET")).getParent();
            killAndExpectNoSurvivor(pool, "while running");
            assertANewMasterRunsOn(pidfile, workerSocketDirectory);
        }
    }

    @Test
    void killedDuringARollingReload() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = pool(pidfile, "loop").start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            awaitChildren(pool, 3);
            pool.signal("HUP");
            pool.awaitLog("reload (SIGHUP): replacing 2 worker(s)", START);
            awaitChildren(pool, 4); // the first successor is booting
            killAndExpectNoSurvivor(pool, "during a reload");
        }
        assertANewMasterRunsOn(pidfile, null);
    }

    @Test
    void killedDuringAGracefulStop() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        // Workers that ignore the stop are still there when the master dies.
        try (PoolProcess pool = pool(pidfile, "ignore-stop").with("stopTimeoutMs", 60_000).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            pool.signal("TERM");
            pool.awaitLog("pool stopping (SIGTERM)", START);
            killAndExpectNoSurvivor(pool, "during a graceful stop");
        }
        assertANewMasterRunsOn(pidfile, null);
    }

    private PoolProcess.Builder pool(Path pidfile, String behaviour) throws IOException {
        return PoolProcess.in(Files.createDirectories(dir.resolve("old"))).with("pidfile", pidfile)
                .with("behaviour", behaviour).with("spares", 1);
    }

    private static void awaitChildren(PoolProcess pool, int count) {
        await().atMost(START).pollInterval(Duration.ofMillis(10))
                .until(() -> ProcSample.childrenOf(pool.pid()).size() >= count);
    }

    /** SIGKILLs the master and waits until none of the JVMs it had started runs. */
    private void killAndExpectNoSurvivor(PoolProcess pool, String when) {
        Set<Long> jvms = new HashSet<>(ProcSample.childrenOf(pool.pid()));
        jvms.addAll(pool.allWorkerPids());
        String marker = "-Devents=" + dir.resolve("old").resolve("events.txt");
        long killedAt = System.nanoTime();
        Signal.send(pool.pid(), "KILL");
        await().atMost(GONE).pollInterval(Duration.ofMillis(10))
                .alias("JVMs of the killed master still running (" + when + "); master log:\n" + pool.tail())
                .until(() -> jvms.stream().noneMatch(pid -> isRunning(pid, marker)));
        long goneMillis = (System.nanoTime() - killedAt) / 1_000_000;
        try {
            assertThat(pool.master().waitFor(GONE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        System.out.printf("master SIGKILL %s: its %d JVM(s) %s gone %d ms after the kill%n", when, jvms.size(),
                jvms, goneMillis);
    }

    /** A running process of this pool: a zombie (exited, not yet reaped by its new parent) does not count. */
    private static boolean isRunning(long pid, String marker) {
        try {
            Path proc = Path.of("/proc/" + pid);
            String stat = Files.readString(proc.resolve("stat"));
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                return false;
            }
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts a new master on the pidfile and waits until it runs; with {@code staleDirectory}, also until that
     * directory, left by the killed master, is swept away (in the background, about a second after the start).
     */
    private void assertANewMasterRunsOn(Path pidfile, Path staleDirectory) throws Exception {
        String stale = Files.exists(pidfile) ? Files.readString(pidfile).strip() : "";
        try (PoolProcess next = PoolProcess.in(Files.createDirectories(dir.resolve("new")))
                .with("pidfile", pidfile).start()) {
            next.awaitEvents("worker-main \\d+ \\d+", 2, START);
            next.awaitLog("pool ready: 2 workers running", START);
            assertThat(Files.readString(pidfile)).isEqualTo(next.pid() + "\n");
            if (!stale.isEmpty()) {
                assertThat(next.log()).contains("pidfile " + pidfile + " names pid " + stale
                        + ", but no master holds its lock: stale, taking it over");
            }
            List<Long> workers = List.of(next.workerPid(0), next.workerPid(1));
            assertThat(workers.stream().map(ProcessHandle::of).map(h -> h.flatMap(ProcessHandle::parent)
                    .map(ProcessHandle::pid).orElse(-1L)).collect(Collectors.toSet())).containsExactly(next.pid());
            if (staleDirectory != null) {
                await().atMost(START).untilAsserted(() -> assertThat(staleDirectory)
                        .as(() -> "left by the killed master; the new master's log:\n" + next.log()).doesNotExist());
            }
        }
    }
}
