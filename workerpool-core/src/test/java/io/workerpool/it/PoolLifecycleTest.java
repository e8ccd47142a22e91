package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real master and worker JVMs, real signals: start, restart, stop, interrupt, kill. */
class PoolLifecycleTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void startsEveryWorkerAsAChildJvmWithItsId() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 3).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 3, START);
            Set<Long> pids = Set.of(pool.workerPid(0), pool.workerPid(1), pool.workerPid(2));
            assertThat(pids).hasSize(3).doesNotContain(pool.pid(), -1L);
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                        .contains(pool.pid());
            }
            assertThat(pool.events().getFirst()).isEqualTo("master-start " + pool.pid());
            pool.awaitLog("worker 2 [RUNNING] (pid " + pool.workerPid(2) + ") started", START);
        }
    }

    @Test
    void appendsWorkerStdoutAndStderrToTheirFiles() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Files.writeString(out, "kept\n");
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "print").with("stdout", out)
                .with("stderr", err).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            await().atMost(START).untilAsserted(() -> {
                assertThat(Files.readString(out)).startsWith("kept\n")
                        .contains("stdout line from worker 0 pid " + pool.workerPid(0))
                        .contains("stdout line from worker 1 pid " + pool.workerPid(1));
                assertThat(Files.readString(err))
                        .contains("stderr line from worker 0 pid " + pool.workerPid(0))
                        .contains("stderr line from worker 1 pid " + pool.workerPid(1));
            });
            assertThat(pool.log()).doesNotContain("stdout line from worker");
        }
    }

    @Test
    void replacesAKilledWorkerAndLeavesTheOthersAlone() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long killed = pool.workerPid(0);
            long untouched = pool.workerPid(1);

            Signal.send(killed, "KILL");

            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.workerPid(0)).isNotEqualTo(killed);
            assertThat(pool.workerPid(1)).isEqualTo(untouched);
            assertThat(pool.count("worker-start 1 \\d+")).isEqualTo(1);
            assertThat(Signal.alive(untouched)).isTrue();
            pool.awaitLog("worker 0 [RUNNING] (pid " + killed + ") exited (signal 9 (SIGKILL)) after", START);
            assertThat(pool.log()).contains("restarting");
        }
    }

    @Test
    void backsOffAWorkerThatKeepsCrashingAtStart() throws Exception {
        // exit7, not crash: a thrown exception's logging and the JVM's shutdown can take past the 1 s that makes an
        // exit quick on a loaded machine, which resets the backoff and breaks the count below
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour.0", "exit7").start()) {
            pool.awaitLog("restarting in 400 ms", START);
            pool.awaitLog("restarting in 800 ms", START);
            String log = pool.log();
            assertThat(log.indexOf("restarting in 100 ms")).isPositive()
                    .isLessThan(log.indexOf("restarting in 200 ms"));
            assertThat(log.indexOf("restarting in 200 ms")).isLessThan(log.indexOf("restarting in 400 ms"));
            long crashesSoFar = pool.count("worker-main 0 \\d+");
            // Backoff: 100+200+400+800 ms of waiting plus JVM starts; without it, far more in the same time.
            assertThat(crashesSoFar).isBetween(4L, 8L);
            assertThat(pool.count("worker-start 1 \\d+")).isEqualTo(1);
        }
    }

    @Test
    void sigtermStopsWorkersGracefullyThenTheMasterExitsZero() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            Set<Long> workers = Set.of(pool.workerPid(0), pool.workerPid(1));

            pool.signal("TERM");

            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
            List<String> events = pool.events();
            for (int id = 0; id < 2; id++) {
                int returned = events.indexOf("worker-main-returned " + id + " " + pool.workerPid(id));
                int shutdown = events.indexOf("worker-shutdown " + id + " " + pool.workerPid(id));
                assertThat(returned).as("events %s", events).isPositive();
                assertThat(shutdown).isGreaterThan(returned);
                assertThat(events.indexOf("master-shutdown " + pool.pid())).isGreaterThan(shutdown);
            }
            assertThat(events.getLast()).isEqualTo("master-exit " + pool.pid());
            assertThat(workers).noneMatch(Signal::alive);
            assertThat(pool.log()).contains("pool stopping (SIGTERM)").contains("pool stopped");
        }
    }

    @Test
    void sigintInterruptsEachWorkerOnceAndStillRunsItsShutdownCallbacks() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "block").start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);

            pool.signal("INT");

            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
            assertThat(pool.count("worker-interrupted 0 \\d+")).isEqualTo(1);
            assertThat(pool.count("worker-interrupted 1 \\d+")).isEqualTo(1);
            assertThat(pool.count("worker-shutdown \\d+ \\d+")).isEqualTo(2);
            assertThat(pool.events().getLast()).startsWith("master-exit");
        }
    }

    @Test
    void killsAWorkerThatIgnoresTheStopAfterStopTimeout() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "ignore-stop").with("behaviour.1", "loop")
                .with("stopTimeoutMs", 5000).start()) { // the well-behaved worker 1 stops within it, even starved
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long stubborn = pool.workerPid(0);

            pool.signal("TERM");

            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
            assertThat(Signal.alive(stubborn)).isFalse();
            assertThat(pool.count("worker-shutdown 0 \\d+")).isZero();
            assertThat(pool.count("worker-shutdown 1 \\d+")).isEqualTo(1);
            assertThat(pool.log()).contains("still running 5000 ms after it was asked to stop: SIGKILL");
        }
    }

    @Test
    void aSecondSigtermDuringTheStopKillsTheWorkersAtOnce() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "ignore-stop").with("stopTimeoutMs", 60_000)
                .start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            pool.signal("TERM");
            pool.awaitLog("pool stopping (SIGTERM)", START);

            pool.signal("TERM");

            assertThat(pool.waitFor(Duration.ofSeconds(20))).isZero();
            assertThat(pool.log()).contains("SIGTERM again, killing the remaining workers now");
        }
    }

    @Test
    void noWorkerOutlivesAMasterKilledWithSigkill() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 3).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 3, START);
            Set<Long> workers = pool.allWorkerPids();

            Signal.send(pool.pid(), "KILL");

            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(workers.stream().filter(Signal::alive)
                            .collect(Collectors.toSet())).isEmpty());
        }
    }

    @Test
    void addsAndRemovesWorkersAtRuntime() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.AddRemovePool").start()) {
            pool.awaitEvent("removed 0 status 0");
            pool.awaitEvent("ids \\[1, 5\\]");
            assertThat(pool.count("worker-main 5 \\d+")).isEqualTo(1);
            assertThat(pool.count("worker-shutdown 0 \\d+")).isEqualTo(1);
            assertThat(pool.events()).contains("add-duplicate IllegalArgumentException");
            long removed = pool.events().stream().filter(l -> l.startsWith("worker-start 0 ")).count();
            assertThat(removed).as("worker 0 is not restarted after its removal").isEqualTo(1);
            pool.signal("TERM");
            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void givesUpOnAWorkerThatCannotBootAndStopsWhenNoneCan() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "boot-fail").with("workers", 1).start()) {
            assertThat(pool.waitFor(Duration.ofSeconds(90))).isEqualTo(1);
            String log = pool.log();
            assertThat(log).contains("worker 0 could not be created by its WorkerFactory")
                    .contains("boot failure on purpose")
                    .contains("worker 0 failed to boot 5 times in a row, giving up on it; its last error: worker 0"
                            + " could not be created by its WorkerFactory: java.lang.IllegalStateException: boot failure"
                            + " on purpose. This is a configuration error: fix it, then restart the pool")
                    .contains("no worker could boot: every worker failed to boot 5 times in a row; worker 0: its last"
                            + " error: worker 0 could not be created by its WorkerFactory:"
                            + " java.lang.IllegalStateException: boot failure on purpose");
            assertThat(log.split("exited \\(exit status 3\\)", -1)).hasSize(6);
            assertThat(pool.events()).doesNotContain("master-exit " + pool.pid());
        }
    }
}
