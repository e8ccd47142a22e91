package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker logs as fast as it can into a master whose heap is capped at 64 MB: backpressure on the worker
 * channel slows the worker, so the master keeps every record without its memory growing. The worker exits
 * right after its last record, so the records still in flight when it exits must arrive too.
 *
 * <p>{@code -Dflood.records=N} changes the number of records (default 1,000,000).
 */
class LogFloodTest {
    private static final int RECORDS = Integer.getInteger("flood.records", 1_000_000);
    private static final Pattern FLOOD_DONE = Pattern.compile("flood-done 0 (\\d+) (\\d+) (\\d+)");

    @TempDir
    Path dir;

    @Test
    void aFloodFromOneWorkerArrivesWholeWhileTheMastersHeapStaysBounded() throws Exception {
        Path masterLog = dir.resolve("master-records.log");
        Path heap = dir.resolve("heap.txt");
        long floodMillis;
        long wallStart = System.nanoTime();
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.LoggingPool")
                .jvmOption("-Xmx64m")
                .jvmOption(MasterLogConfig.of().buffered(64 * 1024).writeFor(masterLog))
                .with("scenario", "flood").with("records", RECORDS).with("exitAfterFlood", true)
                .with("heapSamples", heap).with("workerJvmOptions", "-Xmx256m")
                .with("stdout", dir.resolve("worker-stdout.txt")).with("stderr", dir.resolve("worker-stderr.txt"))
                .start()) {
            pool.awaitEvents("flood-done 0 \\d+ \\d+ \\d+", 1, Duration.ofSeconds(90));
            // The flooding JVM returned from main() and exited; its replacement logs nothing and waits.
            pool.awaitEvents("logged 0 \\d+", 1, Duration.ofSeconds(30));
            floodMillis = pool.events().stream().map(FLOOD_DONE::matcher).filter(Matcher::matches)
                    .mapToLong(m -> Long.parseLong(m.group(3))).findFirst().orElseThrow();
            pool.signal("TERM");
            assertThat(pool.waitFor(Duration.ofSeconds(30))).as("master exit status; output:\n%s", pool.tail())
                    .isZero();
            assertThat(pool.log()).doesNotContain("OutOfMemoryError");
        }
        long wallMillis = (System.nanoTime() - wallStart) / 1_000_000;

        FloodCount count = FloodCount.of(masterLog, 1, RECORDS);
        HeapSamples samples = HeapSamples.read(heap);
        System.out.printf("log flood: %,d records from 1 worker in %,d ms (%,.0f records/s), whole test run %,d ms;"
                + " master heap (-Xmx64m): %s%n", RECORDS, floodMillis, RECORDS * 1000.0 / Math.max(1, floodMillis),
                wallMillis, samples);

        assertThat(count.malformed()).isEmpty();
        assertThat(count.distinct(0)).as("%s", count).isEqualTo(RECORDS);
        assertThat(count.lines(0)).as("%s", count).isEqualTo(RECORDS);
        assertThat(count.outOfOrder(0)).as("%s", count).isZero();

        assertThat(samples.max()).isLessThanOrEqualTo(64L * 1024 * 1024);
        assertThat(samples.collections()).as("collections in the master during the flood").isPositive();
        assertThat(samples.maxUsed()).isLessThan(64L * 1024 * 1024);
        // What the master keeps alive stays small: records are written as they are read, never queued.
        assertThat(samples.maxAfterGc()).as("%s", samples).isLessThan(32L * 1024 * 1024);
    }

    @Test
    void recordsStillInFlightWhenTheWorkerExitsArrive() throws Exception {
        int records = 3000;
        Path masterLog = dir.resolve("master-records.log");
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.LoggingPool")
                // 1 ms per record in the master: the worker's last records are still in the channel when it exits.
                .jvmOption(MasterLogConfig.of().slowedBy(1000).writeFor(masterLog))
                .with("scenario", "flood").with("records", records).with("exitAfterFlood", true)
                .start()) {
            pool.awaitEvents("flood-done 0 \\d+ \\d+ \\d+", 1, Duration.ofSeconds(60));
            pool.awaitEvents("logged 0 \\d+", 1, Duration.ofSeconds(30));
            pool.signal("TERM");
            assertThat(pool.waitFor(Duration.ofSeconds(30))).as("master exit status; output:\n%s", pool.tail())
                    .isZero();
        }
        FloodCount count = FloodCount.of(masterLog, 1, records);
        assertThat(count.distinct(0)).as("%s", count).isEqualTo(records);
        assertThat(count.lines(0)).as("%s", count).isEqualTo(records);
    }

    @Test
    void recordsStillInFlightWhenThePoolStopsArriveBeforeTheMasterExits() throws Exception {
        int records = 3000;
        Path masterLog = dir.resolve("master-records.log");
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.LoggingPool")
                .jvmOption(MasterLogConfig.of().slowedBy(1000).writeFor(masterLog))
                .with("scenario", "flood-on-stop").with("records", records)
                .start()) {
            pool.awaitEvents("logged 0 \\d+", 1, Duration.ofSeconds(30));
            // The worker floods once asked to stop, then exits: the master must write its last records before
            // it exits itself.
            pool.signal("TERM");
            assertThat(pool.waitFor(Duration.ofSeconds(60))).as("master exit status; output:\n%s", pool.tail())
                    .isZero();
            assertThat(pool.events()).anyMatch(e -> e.startsWith("flood-done 0 "));
        }
        FloodCount count = FloodCount.of(masterLog, 1, records);
        assertThat(count.distinct(0)).as("%s", count).isEqualTo(records);
        assertThat(count.lines(0)).as("%s", count).isEqualTo(records);
    }
}
