package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker floods its stdout and stderr ({@code testapp.FaultBehaviours#flood}). The master copies none of it
 * (the worker's descriptors 1 and 2 are the files, or the master's own stdout), so its memory stays where it was,
 * its control socket and the heartbeats keep going during the flood, and every line arrives whole and in order.
 * The log-channel flood is {@link LogFloodTest}.
 *
 * <p>{@code -Dflood.mb=N} sets the stdout flood with {@code stdout(file)} (default 200 MB, plus half as much on
 * stderr).
 */
class FaultFloodTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final long FLOOD_MB = Long.getLong("flood.mb", 200);
    private static final int WORKER_TIMEOUT_MS = 20_000;
    /** The master's RSS may grow this much over its value before the flood (it grows by nothing measurable). */
    private static final long RSS_GROWTH_LIMIT_KB = 32 * 1024;
    private static final Pattern FLOOD_DONE = Pattern.compile("flood-done 0 \\d+ (\\d+) (\\d+)");
    private static final Pattern HEARTBEAT_AGE = Pattern.compile(
            "\\{\"id\":(\\d+),\"pid\":\\d+,\"state\":\"RUNNING\"[^}]*\"heartbeatAgeMillis\":(\\d+)");

    @TempDir
    Path dir;

    @Test
    void aFloodIntoTheOutputFilesArrivesWholeWhileTheMasterStaysSmallAndResponsive() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Path go = dir.resolve("go");
        FloodWatch watch;
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("pidfile", dir.resolve("pool.pid"))
                .with("workerTimeoutMs", WORKER_TIMEOUT_MS).with("behaviour.0", "flood").with("floodMb", FLOOD_MB)
                .with("floodErrMb", FLOOD_MB / 2).with("go", go).with("stdout", out).with("stderr", err)
                .start()) {
            watch = watchFlood(pool, dir.resolve("pool.sock"), go);
            long outBytes = Long.parseLong(watch.done.group(1));
            long errBytes = Long.parseLong(watch.done.group(2));
            assertThat(outBytes).isEqualTo(FLOOD_MB * 1024 * 1024 / 100 * 100);
            assertThat(errBytes).isEqualTo(FLOOD_MB / 2 * 1024 * 1024 / 100 * 100);
            assertThat(pool.count("worker-start \\d+ \\d+")).as("no restart").isEqualTo(2);
        }
        assertThat(countFloodLines(out, "flood-out 0 ")).isEqualTo(FLOOD_MB * 1024 * 1024 / 100);
        assertThat(countFloodLines(err, "flood-err 0 ")).isEqualTo(FLOOD_MB / 2 * 1024 * 1024 / 100);
        System.out.printf("stdout/stderr flood into files: %d MB + %d MB in %d ms; master RSS %d MB before, peak %d MB"
                + " during; %d status requests answered during the flood, slowest %d ms%n", FLOOD_MB, FLOOD_MB / 2,
                watch.millis, watch.rssBeforeKb / 1024, watch.rssPeakKb / 1024, watch.requests, watch.slowestMillis);
    }

    /**
     * Without {@code stdout(file)} the workers write to the master's own stdout (here a file, as under
     * {@code > app.log}): the master is not in the path either, and the worker's lines, written whole, are not
     * torn by the master's own log lines in the same file.
     */
    @Test
    void aFloodIntoTheMastersOwnStdoutLeavesTheMasterAndItsLogAlone() throws Exception {
        long floodMb = 40;
        Path go = dir.resolve("go");
        Path masterLog = dir.resolve("master.log");
        FloodWatch watch;
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption("-Xmx64m").with("pidfile", dir.resolve("pool.pid"))
                .with("workerTimeoutMs", WORKER_TIMEOUT_MS).with("behaviour.0", "flood").with("floodMb", floodMb)
                .with("go", go).start()) {
            watch = watchFlood(pool, dir.resolve("pool.sock"), go);
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
        assertThat(countFloodLines(masterLog, "flood-out 0 ")).isEqualTo(floodMb * 1024 * 1024 / 100);
        String tail = Files.readString(masterLog).lines().filter(l -> !l.startsWith("flood-out"))
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(tail).contains("pool ready: 2 workers running").contains("pool stopped")
                .doesNotContain("xxxxxxxxxx");
        System.out.printf("stdout flood into the master's stdout: %d MB in %d ms; master RSS %d MB before, peak %d MB%n",
                floodMb, watch.millis, watch.rssBeforeKb / 1024, watch.rssPeakKb / 1024);
    }

    private record FloodWatch(Matcher done, long millis, long rssBeforeKb, long rssPeakKb, int requests,
                              long slowestMillis) {
    }

    /**
     * Lets worker 0 flood, and until it is done samples the master's RSS and asks its control socket for the
     * status: it must answer, with both workers running and heartbeating.
     */
    private static FloodWatch watchFlood(PoolProcess pool, Path controlSocket, Path go) throws IOException {
        pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
        // "flood-done" shows up in events only; the master log may be the flood's own file
        await().atMost(START).until(() -> statusShowsBothHeartbeating(controlSocket));
        long rssBefore = ProcSample.of(pool.pid()).rssKb();
        long[] peak = {rssBefore};
        int[] requests = {0};
        long[] slowest = {0};
        long startedAt = System.nanoTime();
        Files.writeString(go, "go\n");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            peak[0] = Math.max(peak[0], ProcSample.of(pool.pid()).rssKb());
            long asked = System.nanoTime();
            assertThat(statusShowsBothHeartbeating(controlSocket)).as("status during the flood").isTrue();
            slowest[0] = Math.max(slowest[0], (System.nanoTime() - asked) / 1_000_000);
            requests[0]++;
            return pool.events().stream().anyMatch(l -> l.startsWith("flood-done 0 "));
        });
        long millis = (System.nanoTime() - startedAt) / 1_000_000;
        Matcher done = pool.events().stream().map(FLOOD_DONE::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow();
        assertThat(peak[0]).as("master RSS (kB) during the flood, before: %d", rssBefore)
                .isLessThanOrEqualTo(rssBefore + RSS_GROWTH_LIMIT_KB);
        assertThat(pool.master().isAlive()).isTrue();
        return new FloodWatch(done, millis, rssBefore, peak[0], requests[0], slowest[0]);
    }

    private static boolean statusShowsBothHeartbeating(Path controlSocket) throws IOException {
        String status = ManagementSocketTest.request(controlSocket, "status");
        Matcher m = HEARTBEAT_AGE.matcher(status);
        int fresh = 0;
        while (m.find()) {
            if (Long.parseLong(m.group(2)) < WORKER_TIMEOUT_MS / 2) {
                fresh++;
            }
        }
        return fresh == 2;
    }

    /** Lines starting with the prefix; they must be whole (100 bytes) and numbered 0, 1, 2, ... in order. */
    private static long countFloodLines(Path file, String prefix) throws IOException {
        long expected = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.startsWith("flood-")) {
                    continue;
                }
                assertThat(line).as("line %d of %s", expected, file).startsWith(prefix).hasSize(99);
                long seq = Long.parseLong(line.substring(prefix.length(), prefix.length() + 9));
                assertThat(seq).as("line %d of %s", expected, file).isEqualTo(expected);
                expected++;
            }
        }
        return expected;
    }
}
