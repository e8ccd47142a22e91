package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP reloads (new worker ready before the old one stops), SIGTTIN adds a worker, SIGTTOU removes one. */
class OperationSignalsTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void sighupReplacesEveryWorkerEachNewOneReadyBeforeTheOldOneStops() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long old0 = pool.workerPid(0);
            long old1 = pool.workerPid(1);

            pool.signal("HUP");

            pool.awaitLog("reload completed (SIGHUP): 2 worker(s) replaced", START);
            long new0 = pool.workerPid(0);
            long new1 = pool.workerPid(1);
            assertThat(List.of(new0, new1)).doesNotContain(old0, old1, -1L);
            List<String> events = pool.events();
            assertThat(events.indexOf("worker-start 0 " + new0))
                    .isLessThan(events.indexOf("worker-shutdown 0 " + old0));
            assertThat(events.indexOf("worker-start 1 " + new1))
                    .isLessThan(events.indexOf("worker-shutdown 1 " + old1));
            // one at a time: worker 1's successor starts once worker 0's successor is ready
            assertThat(events.indexOf("worker-start 1 " + new1))
                    .isGreaterThan(events.indexOf("worker-start 0 " + new0));
            assertThat(Signal.alive(old0)).isFalse();
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(4);
        }
    }

    @Test
    void aReloadBatchStartsThatManyNewWorkersAtOnce() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 4).with("reloadBatch", 2).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 4, START);
            List<Long> old = List.of(pool.workerPid(0), pool.workerPid(1), pool.workerPid(2), pool.workerPid(3));

            pool.signal("HUP");

            pool.awaitLog("reload completed (SIGHUP): 4 worker(s) replaced", START);
            String log = pool.log();
            int firstTakeover = log.indexOf("took over");
            // workers 0 and 1 are started in the same step, before any new JVM could take over
            assertThat(log.indexOf("starting a new JVM for worker 1")).isBetween(0, firstTakeover);
            for (int id = 0; id < 4; id++) {
                assertThat(pool.workerPid(id)).isNotIn(old).isNotEqualTo(-1L);
                assertThat(Signal.alive(old.get(id))).isFalse();
            }
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(8);
        }
    }

    @Test
    void aReloadWhoseNewWorkerCannotStartKeepsTheOldOnesServing() throws Exception {
        Path flag = dir.resolve("fail-next-start");
        try (PoolProcess pool = PoolProcess.in(dir).with("failStartIfExists", flag).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long old0 = pool.workerPid(0);
            java.nio.file.Files.writeString(flag, "x");

            pool.signal("HUP");

            pool.awaitLog("reload failed (SIGHUP)", START);
            assertThat(pool.log()).contains("the old workers keep serving");
            assertThat(Signal.alive(old0)).isTrue();
            assertThat(pool.count("worker-shutdown 0 " + old0)).isZero();
        }
    }

    @Test
    void sigttinAddsAWorkerAndSigttouRemovesTheHighestId() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);

            pool.signal("TTIN");
            pool.awaitEvent("worker-main 2 \\d+");
            long added = pool.workerPid(2);

            pool.signal("TTOU");
            pool.awaitEvent("worker-shutdown 2 " + added);
            pool.awaitLog("removed from the pool", START);
            assertThat(pool.count("worker-start 2 \\d+")).isEqualTo(1);
            assertThat(Signal.alive(pool.workerPid(0))).isTrue();
        }
    }

    @Test
    void sigusr1MakesRunningWorkersReopenTheirOutputFilesAfterRotation() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "chatty").with("stdout", out)
                .with("stderr", err).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            java.nio.file.Files.move(out, dir.resolve("out.txt.1"));
            java.nio.file.Files.move(err, dir.resolve("err.txt.1"));

            pool.signal("USR1");

            org.awaitility.Awaitility.await().atMost(START).untilAsserted(() -> {
                assertThat(out).exists();
                assertThat(err).exists(); // each worker opens both; one may not have reached stderr yet
                assertThat(java.nio.file.Files.readString(out))
                        .contains("chatty stdout from worker 0 pid " + pool.workerPid(0))
                        .contains("chatty stdout from worker 1 pid " + pool.workerPid(1));
                assertThat(java.nio.file.Files.readString(err))
                        .contains("chatty stderr from worker 0 pid " + pool.workerPid(0));
            });
            assertThat(pool.log()).contains("SIGUSR1: 2 worker(s) reopen stdout " + out + " and stderr " + err);
        }
    }

    @Test
    void recyclesAWorkerPastMaxWorkerAgeReadyBeforeTheOldOneStops() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 1).with("maxWorkerAgeMs", 2000).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 1, START);
            long old = pool.workerPid(0);
            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            long fresh = pool.workerPid(0);
            pool.awaitEvent("worker-shutdown 0 " + old);
            List<String> events = pool.events();
            assertThat(events.indexOf("worker-start 0 " + fresh)).isLessThan(events.indexOf("worker-shutdown 0 " + old));
            assertThat(pool.log()).containsPattern("recycling it \\(recycle #1 of this id\\): age \\d+ ms passed"
                    + " maxWorkerAge 2000 ms");
        }
    }

    @Test
    void recyclesAWorkerWhoseRssPassesMaxWorkerRss() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 1).with("maxWorkerRssMb", 1).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.log()).containsPattern("recycling it \\(recycle #1 of this id\\): RSS \\d+ MB passed"
                    + " maxWorkerRss 1 MB");
        }
    }
}
