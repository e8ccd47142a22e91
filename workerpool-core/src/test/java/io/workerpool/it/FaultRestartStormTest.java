package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart storms. A worker that exits as soon as it starts is restarted no faster than the backoff allows
 * (100 ms, doubling: RestartPolicy); workers that live just past the "quick exit" threshold are restarted at
 * at once, {@link #RESTARTS} times in a row. In both, the master's descriptors, threads and memory stay flat: a
 * sample after warm-up is compared with one at the end.
 */
class FaultRestartStormTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Pattern MAIN = Pattern.compile("worker-main (\\d+) (\\d+)");
    /** Margins of the leak check, end against warm-up: a leak per restart would pass them many times over. */
    private static final int FD_MARGIN = 6;
    private static final int THREAD_MARGIN = 6;
    private static final long RSS_MARGIN_KB = 40 * 1024;
    /**
     * Restarts in a row of the second test: each costs a JVM start (about a CPU second here), so the suite's
     * share is modest; {@code -Dstorm.restarts=1000} for the long version.
     */
    private static final int RESTARTS = Integer.getInteger("storm.restarts", 60);

    @TempDir
    Path dir;

    @Test
    void aWorkerThatExitsAtOnceIsRestartedNoFasterThanTheBackoffAllows() throws Exception {
        Duration storm = Duration.ofSeconds(16);
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("behaviour.0", "exit")
                .with("behaviour.1", "loop").start()) {
            pool.awaitEvent("worker-main 0 \\d+");
            long firstSpawn = System.nanoTime();
            pool.awaitEvent("worker-main 1 \\d+");
            long steady = pool.workerPid(1);
            pool.awaitEvents("worker-main 0 \\d+", 3, START);
            ProcSample warm = ProcSample.of(pool.pid());
            long[] peakRssKb = {warm.rssKb()};
            await().atMost(storm.plusSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
                peakRssKb[0] = Math.max(peakRssKb[0], ProcSample.of(pool.pid()).rssKb());
                return System.nanoTime() - firstSpawn >= storm.toNanos();
            });
            long spawns = pool.count("worker-main 0 \\d+");
            long windowMillis = (System.nanoTime() - firstSpawn) / 1_000_000;
            ProcSample end = ProcSample.of(pool.pid());

            long allowed = allowedSpawns(windowMillis);
            System.out.printf("restart storm (exits at once): %d spawns of worker 0 in %d ms (%.2f/s; the backoff"
                    + " allows at most %d); master after warm-up %s, at the end %s, RSS peak %d MB%n", spawns,
                    windowMillis, spawns * 1000.0 / windowMillis, allowed, warm, end, peakRssKb[0] / 1024);
            assertThat(spawns).as("spawns of worker 0 in %d ms", windowMillis).isBetween(4L, allowed);
            assertThat(pool.log()).contains("restarting in 100 ms").contains("restarting in 800 ms");
            assertThat(pool.workerPid(1)).isEqualTo(steady);
            assertThat(pool.count("worker-main 1 \\d+")).isEqualTo(1);
            assertFlat(warm, end);
        }
    }

    @Test
    void workersThatExitJustAfterTheQuickThresholdAreRestartedAtOnceManyTimesInARow() throws Exception {
        int workers = 4;
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("workers", workers)
                .with("behaviour", "exit-after-stable").with("workerJvmOptions", "-XX:+UseSerialGC").start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", workers + 12, START);
            ProcSample warm = ProcSample.of(pool.pid());
            long warmAt = System.nanoTime();
            long[] peakRssKb = {warm.rssKb()};
            await().atMost(Duration.ofSeconds(30L + 3L * RESTARTS)).pollInterval(Duration.ofMillis(250)).until(() -> {
                peakRssKb[0] = Math.max(peakRssKb[0], ProcSample.of(pool.pid()).rssKb());
                return pool.count("worker-main \\d+ \\d+") >= workers + RESTARTS;
            });
            long seconds = (System.nanoTime() - warmAt) / 1_000_000_000;
            ProcSample end = ProcSample.of(pool.pid());
            String log = pool.log();
            System.out.printf("restart storm (exits after 1.3 s): %d restarts, the last %d in %d s; master after"
                    + " warm-up %s, at the end %s, RSS peak %d MB%n", pool.count("worker-main \\d+ \\d+") - workers,
                    RESTARTS - 12, seconds, warm, end, peakRssKb[0] / 1024);
            assertThat(log).as("no backoff for workers that ran past the threshold")
                    .doesNotContain("restarting in");
            assertThat(distinctPids(pool)).hasSizeGreaterThanOrEqualTo(workers + RESTARTS);
            assertFlat(warm, end);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(ProcSample.of(pool.pid()).zombieChildren()).isEmpty());
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    /** 1 + the largest n with 100 ms * (1 + 2 + ... + 2^(n-1)) <= the window: backoff alone, JVM starts free. */
    private static long allowedSpawns(long windowMillis) {
        long spawns = 1;
        long waited = 0;
        for (long delay = 100; waited + delay <= windowMillis; delay = Math.min(delay * 2, 30_000)) {
            waited += delay;
            spawns++;
        }
        return spawns;
    }

    private static void assertFlat(ProcSample warm, ProcSample end) {
        assertThat(end.fds()).as("master fds: after warm-up %s, at the end %s", warm, end)
                .isLessThanOrEqualTo(warm.fds() + FD_MARGIN);
        assertThat(end.threads()).as("master threads: after warm-up %s, at the end %s", warm, end)
                .isLessThanOrEqualTo(warm.threads() + THREAD_MARGIN);
        assertThat(end.rssKb()).as("master RSS: after warm-up %s, at the end %s", warm, end)
                .isLessThanOrEqualTo(warm.rssKb() + RSS_MARGIN_KB);
    }

    private static List<Long> distinctPids(PoolProcess pool) {
        List<Long> pids = new ArrayList<>();
        for (String line : pool.events()) {
            Matcher m = MAIN.matcher(line);
            if (m.matches() && !pids.contains(Long.parseLong(m.group(2)))) {
                pids.add(Long.parseLong(m.group(2)));
            }
        }
        return pids;
    }
}
