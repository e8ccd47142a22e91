package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test of speed: {@code bench.workers} workers (default 4) each log {@code bench.records}
 * records (default 1,000,000) as fast as they can, all starting at once, into a master with
 * {@code -Xmx}{@code bench.xmx} (default 64m) whose Logback writes them to a file ({@code FileAppender}, flushed
 * per record unless {@code -Dbench.buffered=true}). Prints the forwarding rate, seen from the workers (records
 * over the slowest worker's time) and from the master's file (records over the time between the first and the
 * last record's timestamp), and the master's heap; asserts only that every record arrived.
 *
 * <p>Run: {@code ./mvnw -q -B -o -pl workerpool-core test -Dtest=LogForwardingBenchmarkTest -Dbench=true}. The
 * result is also appended to {@code workerpool-core/target/log-forwarding-benchmark.txt}. JVMs run with C2
 * ({@code -XX:TieredStopAtLevel=4}) unlike the other integration tests, which stop at C1 to start faster.
 * {@code -Dbench.jvmOptions="..."} adds options to the master's command line (which the workers inherit), with
 * {@code @dir@} standing for the test's directory: e.g. {@code -XX:StartFlightRecording=filename=@dir@/%p.jfr}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class LogForwardingBenchmarkTest {
    private static final int WORKERS = Integer.getInteger("bench.workers", 4);
    private static final int RECORDS = Integer.getInteger("bench.records", 1_000_000);
    private static final String XMX = System.getProperty("bench.xmx", "64m");
    private static final boolean BUFFERED = Boolean.getBoolean("bench.buffered");
    private static final Pattern FLOOD_READY = Pattern.compile("flood-ready (\\d+) (\\d+)");
    private static final Pattern FLOOD_DONE = Pattern.compile("flood-done (\\d+) (\\d+) (\\d+) (\\d+)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @TempDir
    Path dir;

    @Test
    void measureTheForwardingRateIntoAFileAndTheMastersHeap() throws Exception {
        Path masterLog = dir.resolve("master-records.log");
        Path heap = dir.resolve("heap.txt");
        Path go = dir.resolve("go");
        double loadAverage = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        MasterLogConfig config = MasterLogConfig.of();
        if (BUFFERED) {
            config.buffered(64 * 1024);
        }
        long slowestWorkerMillis;
        long drivenMillis;
        long masterCpuNanos;
        long workersCpuNanos;
        PoolProcess.Builder master = PoolProcess.in(dir).mainClass("io.workerpool.testapp.LoggingPool")
                .jvmOption("-XX:TieredStopAtLevel=4").jvmOption("-Xmx" + XMX)
                .jvmOption(config.writeFor(masterLog));
        for (String option : System.getProperty("bench.jvmOptions", "").split(" ")) {
            if (!option.isBlank()) {
                master.jvmOption(option.replace("@dir@", dir.toString()));
            }
        }
        try (PoolProcess pool = master
                .with("scenario", "flood").with("workers", WORKERS).with("records", RECORDS).with("go", go)
                .with("heapSamples", heap).with("workerJvmOptions", "-Xmx256m")
                .with("stdout", dir.resolve("worker-stdout.txt")).with("stderr", dir.resolve("worker-stderr.txt"))
                .start()) {
            pool.awaitEvents("flood-ready \\d+ \\d+", WORKERS, Duration.ofSeconds(60));
            List<Long> workerPids = pool.events().stream().map(FLOOD_READY::matcher).filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(2))).toList();
            long masterCpuBefore = cpuNanos(pool.pid());
            long workersCpuBefore = workerPids.stream().mapToLong(LogForwardingBenchmarkTest::cpuNanos).sum();
            long start = System.nanoTime();
            Files.createFile(go);
            pool.awaitEvents("flood-done \\d+ \\d+ \\d+ \\d+", WORKERS, Duration.ofMinutes(10));
            drivenMillis = (System.nanoTime() - start) / 1_000_000;
            // The master may still be writing the last few hundred records; they are a rounding error here.
            masterCpuNanos = cpuNanos(pool.pid()) - masterCpuBefore;
            workersCpuNanos = workerPids.stream().mapToLong(LogForwardingBenchmarkTest::cpuNanos).sum()
                    - workersCpuBefore;
            slowestWorkerMillis = pool.events().stream().map(FLOOD_DONE::matcher).filter(Matcher::matches)
                    .mapToLong(m -> Long.parseLong(m.group(4))).max().orElseThrow();
            pool.signal("TERM");
            assertThat(pool.waitFor(Duration.ofSeconds(60))).as("master exit status; output:\n%s", pool.tail())
                    .isZero();
        }
        long total = (long) WORKERS * RECORDS;
        long masterMillis = firstToLastFloodRecordMillis(masterLog);
        HeapSamples samples = HeapSamples.read(heap);
        FloodCount count = FloodCount.of(masterLog, WORKERS, RECORDS);

        String result = String.format("%s: %d workers x %,d records into a FileAppender (%s), master -Xmx%s:"
                + " %,.0f records/s by the slowest worker (%,d ms), %,.0f records/s by the master's file (%,d ms"
                + " first to last record), %,d ms from go to the last worker done; CPU per record: %.2f us in the"
                + " master, %.2f us in the workers (%,d cores, load average %.1f before); master heap: %s; %,d of"
                + " %,d records arrived, %,d bytes of log%n", LocalDateTime.now().withNano(0), WORKERS,
                RECORDS, BUFFERED ? "buffered 64 KiB" : "flushed per record", XMX,
                total * 1000.0 / slowestWorkerMillis, slowestWorkerMillis, total * 1000.0 / masterMillis,
                masterMillis, drivenMillis, masterCpuNanos / 1000.0 / total, workersCpuNanos / 1000.0 / total,
                Runtime.getRuntime().availableProcessors(), loadAverage, samples, count.totalLines(), total,
                Files.size(masterLog));
        System.out.print(result);
        Files.writeString(Path.of("target", "log-forwarding-benchmark.txt"), result, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);

        for (int w = 0; w < WORKERS; w++) {
            assertThat(count.distinct(w)).as("%s", count).isEqualTo(RECORDS);
            assertThat(count.lines(w)).as("%s", count).isEqualTo(RECORDS);
        }
    }

    /** User and system CPU time of a live process so far. */
    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos)
                .orElseThrow(() -> new AssertionError("no CPU time for pid " + pid));
    }

    /** The time between the master's first and last flood record, by the timestamps it wrote. */
    private static long firstToLastFloodRecordMillis(Path file) throws IOException {
        String first = null;
        String last = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.contains(" - flood ")) {
                    if (first == null) {
                        first = line;
                    }
                    last = line;
                }
            }
        }
        if (first == null) {
            throw new AssertionError("no flood record in " + file);
        }
        return java.time.Duration.between(time(first), time(last)).toMillis();
    }

    private static LocalDateTime time(String line) {
        return LocalDateTime.parse(line.substring(0, 23), TIME);
    }
}
