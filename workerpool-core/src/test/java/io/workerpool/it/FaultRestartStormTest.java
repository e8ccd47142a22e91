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
 * Restart storms. A worker that dies as soon as it starts is restarted no faster than the backoff allows
 * (100 ms, doubling: RestartPolicy); workers that live just past the "quick exit" threshold are restarted at
 * at once, {@link #RESTARTS} times in a row. In both, the master's descriptors, threads and memory stay flat: a
 * sample after warm-up is compared with one at the end.
 */
class FaultRestartStormTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STORM_CAP = Duration.ofSeconds(40);
    private static final Pattern EXIT_LINE = Pattern.compile("worker 0 \\[\\w+\\] \\(pid \\d+\\) exited [^\\n]*?"
            + "(?:(\\d+) exits? in a row within \\d+ ms of reporting started: restarting in (\\d+) ms|; restarting)\\n");
    private static final Pattern MAIN = Pattern.compile("worker-main (\\d+) (\\d+)");
    /** Margins of the leak check, end against warm-up: a leak per restart would pass them many times over. */
    private static final int FD_MARGIN = 6;
    private static final int THREAD_MARGIN = 6;
    private static final long RSS_MARGIN_KB = 40 * 1024;
    /**
     * Restarts in a row of the second test: each costs a JVM start (about a CPU second here), so the suite's
     * share is modest; {@code -Dstorm.restarts=1000} for the long version.
     */
    private static final int RESTARTS = Integer.getInteger("storm.restarts", 40);

    @TempDir
    Path dir;

    @Test
    void aWorkerThatDiesAtOnceIsRestartedNoFasterThanTheBackoffAllows() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("behaviour.0", "halt")
                .with("behaviour.1", "loop").start()) {
            pool.awaitEvent("worker-main 0 \\d+");
            long firstSpawn = System.nanoTime();
            // Polled every 20 ms: when each new JVM of worker 0 reaches main(), and the master's footprint. About
            // 12 s on a quiet machine (6.3 s of backoff and 7 JVM starts); the cap is for a loaded one.
            StormWatch watch = new StormWatch(pool, firstSpawn);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> watch.sample()
                    && (watch.spawnedAt.size() >= 7 || System.nanoTime() - firstSpawn > STORM_CAP.toNanos()));
            long windowMillis = (System.nanoTime() - firstSpawn) / 1_000_000;
            List<Long> spawnedAt = watch.spawnedAt;
            ProcSample end = ProcSample.of(pool.pid());
            List<Long> delays = backoffDelays(pool.log());
            long allowed = allowedSpawns(windowMillis);
            System.out.printf("restart storm (dies at once): %d spawns of worker 0 in %d ms (%.2f/s; the backoff"
                    + " allows at most %d); backoff %s ms; gaps between spawns %s ms; master after warm-up %s, at the"
                    + " end %s, RSS peak %d MB%n", spawnedAt.size(), windowMillis,
                    spawnedAt.size() * 1000.0 / windowMillis, allowed, delays, gaps(spawnedAt), watch.warm, end,
                    watch.peakRssKb / 1024);

            assertThat((long) spawnedAt.size()).as("spawns of worker 0 in %d ms", windowMillis)
                    .isBetween(3L, allowed);
            assertThat(delays).as("delay before each restart of worker 0, from the master log")
                    .hasSizeGreaterThanOrEqualTo(spawnedAt.size() - 1).startsWith(100L, 200L);
            for (int k = 0; k + 1 < spawnedAt.size(); k++) {
                // each really waited (polled every 20 ms: 100 ms of slack)
                assertThat((spawnedAt.get(k + 1) - spawnedAt.get(k)) / 1_000_000).as("gap after spawn %d", k + 1)
                        .isGreaterThanOrEqualTo(delays.get(k) - 100);
            }
            assertThat(pool.workerPid(1)).isNotEqualTo(-1L);
            assertThat(pool.count("worker-main 1 \\d+")).isEqualTo(1);
            assertFlat(watch.warm, end);
        }
    }

    /**
     * The delay before each restart of worker 0, in order: 0 for an exit after a healthy stretch, else what the
     * log line announces, checked against the policy (100 ms doubling per quick exit in a row, at most 30 s).
     */
    private static List<Long> backoffDelays(String log) {
        List<Long> delays = new ArrayList<>();
        Matcher m = EXIT_LINE.matcher(log);
        while (m.find()) {
            if (m.group(1) == null) {
                delays.add(0L);
            } else {
                long delay = Long.parseLong(m.group(2));
                assertThat(delay).as(m.group()).isEqualTo(Math.min(100L << (Integer.parseInt(m.group(1)) - 1), 30_000));
                delays.add(delay);
            }
        }
        return delays;
    }

    /** What the storm test polls: spawn times of worker 0, a sample after 3 spawns, the master's RSS peak. */
    private static final class StormWatch {
        final PoolProcess pool;
        final List<Long> spawnedAt = new ArrayList<>();
        ProcSample warm;
        long peakRssKb;

        StormWatch(PoolProcess pool, long firstSpawn) {
            this.pool = pool;
            spawnedAt.add(firstSpawn);
        }

        /** Always true: returns after taking its sample. */
        boolean sample() {
            long spawns = pool.count("worker-main 0 \\d+");
            while (spawnedAt.size() < spawns) {
                spawnedAt.add(System.nanoTime());
            }
            ProcSample now = ProcSample.of(pool.pid());
            if (warm == null && spawns >= 3) {
                warm = now;
            }
            peakRssKb = Math.max(peakRssKb, now.rssKb());
            return true;
        }
    }

    private static List<Long> gaps(List<Long> nanos) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < nanos.size(); i++) {
            gaps.add((nanos.get(i) - nanos.get(i - 1)) / 1_000_000);
        }
        return gaps;
    }

    @Test
    void workersThatExitJustAfterTheQuickThresholdAreRestartedAtOnceManyTimesInARow() throws Exception {
        int workers = 4;
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("workers", workers)
                .with("behaviour", "exit-after-stable").with("workerJvmOptions", "-XX:+UseSerialGC").start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", workers + 10, START);
            ProcSample warm = ProcSample.of(pool.pid());
            long warmAt = System.nanoTime();
            long[] peakRssKb = {warm.rssKb()};
            await().atMost(Duration.ofSeconds(30L + 6L * RESTARTS)).pollInterval(Duration.ofMillis(250)).until(() -> {
                peakRssKb[0] = Math.max(peakRssKb[0], ProcSample.of(pool.pid()).rssKb());
                return pool.count("worker-main \\d+ \\d+") >= workers + RESTARTS;
            });
            long seconds = (System.nanoTime() - warmAt) / 1_000_000_000;
            ProcSample end = ProcSample.of(pool.pid());
            String log = pool.log();
            System.out.printf("restart storm (exits after 1.3 s): %d restarts, the last %d in %d s; master after"
                    + " warm-up %s, at the end %s, RSS peak %d MB%n", pool.count("worker-main \\d+ \\d+") - workers,
                    RESTARTS - 10, seconds, warm, end, peakRssKb[0] / 1024);
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
