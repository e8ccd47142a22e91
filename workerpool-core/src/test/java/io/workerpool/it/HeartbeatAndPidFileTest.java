package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stale workers are killed and replaced; the pidfile is locked, refused to a second master, taken over when stale. */
class HeartbeatAndPidFileTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void killsAndReplacesAStoppedWorkerAfterWorkerTimeout() throws Exception {
        Path err = dir.resolve("err.txt");
        try (PoolProcess pool = PoolProcess.in(dir).with("workerTimeoutMs", 4000).with("checkIntervalMs", 100)
                .with("stderr", err).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            // On a starved machine a worker may miss its heartbeats and be replaced before the test gets to
            // it: stop whichever JVM serves worker 0 now.
            long[] stopped = {-1};
            org.awaitility.Awaitility.await().atMost(START).until(() -> {
                long pid = pool.workerPid(0);
                stopped[0] = pid;
                return Signal.alive(pid) && Signal.trySend(pid, "STOP");
            });
            long frozen = stopped[0];
            long healthy = pool.workerPid(1);
            long startsBefore = pool.count("worker-main 0 \\d+");

            pool.awaitEvents("worker-main 0 \\d+", startsBefore + 1, START);
            assertThat(pool.workerPid(0)).isNotEqualTo(frozen);
            org.awaitility.Awaitility.await().atMost(START).until(() -> !Signal.alive(frozen));
            assertThat(pool.workerPid(1)).isEqualTo(healthy);
            assertThat(pool.log()).containsPattern("worker 0 \\[RUNNING\\] \\(pid " + frozen
                    + "\\) sent no heartbeat for \\d+ ms \\(workerTimeout 4000 ms\\)");
        }
    }

    @Test
    void refusesASecondMasterOnTheSamePidfileNamingTheRunningPid() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        Path second = Files.createDirectory(dir.resolve("second"));
        try (PoolProcess first = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            first.awaitEvents("worker-main \\d+ \\d+", 2, START);
            assertThat(Files.readString(pidfile)).isEqualTo(first.pid() + "\n");

            try (PoolProcess intruder = PoolProcess.in(second).with("pidfile", pidfile).start()) {
                assertThat(intruder.waitFor(START)).isNotZero();
                assertThat(intruder.log()).contains("another master is already running with pidfile " + pidfile
                        + " (pid " + first.pid() + ")");
                assertThat(intruder.log()).doesNotContain("\tat ");
                assertThat(intruder.events()).isEmpty();
            }
            first.signal("TERM");
            assertThat(first.waitFor(START)).isZero();
            assertThat(pidfile).doesNotExist();
        }
    }

    @Test
    void takesOverAStalePidfile() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        Files.writeString(pidfile, "999999\n");
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            assertThat(Files.readString(pidfile)).isEqualTo(pool.pid() + "\n");
            assertThat(pool.log()).contains("pidfile " + pidfile + " names pid 999999, but no master holds its lock:"
                    + " stale, taking it over");
        }
    }

    @Test
    void refusesToStartWhenTheStdoutDirectoryIsMissing() throws Exception {
        Path out = dir.resolve("missing/out.txt");
        try (PoolProcess pool = PoolProcess.in(dir).with("stdout", out).start()) {
            assertThat(pool.waitFor(START)).isNotZero();
            assertThat(pool.log()).contains("cannot open the workers' stdout file " + out + ": its directory "
                    + out.getParent() + " does not exist");
            assertThat(pool.events()).isEmpty();
        }
    }
}
