package io.workerpool.bench;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One repetition of the log-forwarding figure: 4 workers each log the same records, which the master writes
 * with its Logback FileAppender ({@link FloodPool}); and the baseline, the same records from 4 threads of one
 * JVM straight into the same Logback configuration ({@link DirectFlood}). Both JVMs run with -Xmx64m. Time
 * runs from the go file (all producers are up and waiting) to the last record counted after the file
 * appender; CPU is the writing JVM's (the master's, for the pool) over that span.
 */
final class LogFloodBench {
    static final String MASTER_HEAP = "-Xmx64m";
    private static final int PRODUCERS = 4;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FLOOD_TIMEOUT = Duration.ofMinutes(5);

    /**
     * One flood: records per second, the writing JVM's CPU over the flood (% of one core), the CPU time per
     * record of every process involved (master and workers, or the one JVM), and the writer's heap.
     */
    record Run(double recordsPerSecond, double cpuPercent, double cpuMicrosPerRecord, double writerMicrosPerRecord,
               double peakHeapMb,
               double heapAfterGcMb, long gcCount, long fileLines) {
    }

    private final BenchContext context;

    LogFloodBench(BenchContext context) {
        this.context = context;
    }

    long totalRecords() {
        return PRODUCERS * context.settings().floodRecords();
    }

    Run pool(int repetition) {
        return flood("flood-workerpool-" + repetition, FloodPool.class.getName(), "log-forwarding pool");
    }

    Run direct(int repetition) {
        return flood("flood-direct-" + repetition, DirectFlood.class.getName(), "one-JVM Logback baseline");
    }

    private Run flood(String tag, String mainClass, String what) {
        Path stamps = context.file(tag + ".stamps");
        Path go = context.file(tag + ".go");
        Path logFile = context.file(tag + ".records.log");
        Path result = context.file(tag + ".result");
        long perProducer = context.settings().floodRecords();
        List<String> options = List.of(MASTER_HEAP, "-Dlogback.configurationFile=flood-logback.xml",
                "-Dbench.flood.file=" + logFile, "-Dbench.flood.expected=" + totalRecords(),
                "-Dbench.flood.result=" + result);
        List<String> command = context.javaCommand(options, mainClass, stamps.toString(), go.toString(),
                Integer.toString(PRODUCERS), Long.toString(perProducer));
        try (Child writer = Child.start(what + " " + tag, command, context.runDir(), Map.of(),
                context.runDir().resolve(tag + ".log"))) {
            int ready = mainClass.equals(FloodPool.class.getName()) ? PRODUCERS : 1;
            List<Long> pids = new java.util.ArrayList<>(new StampTail(stamps).awaitDistinctPids(ready, READY_TIMEOUT,
                    "the " + what + " (log: " + writer.log() + ")").stream().map(Stamps.Stamp::pid).distinct().toList());
            if (!pids.contains(writer.pid())) {
                pids.add(writer.pid());
            }
            StampTail.sleep(Duration.ofSeconds(1)); // let the start-up compilation die down
            writer.requireAlive();
            long allBefore = pids.stream().mapToLong(ProcFs::cpuTicksNanos).sum();
            long cpuBefore = ProcFs.cpuTicksNanos(writer.pid());
            long goAt = Stamps.epochNanos();
            Files.createFile(go);
            Properties figures = awaitResult(result, writer);
            long cpuAfter = ProcFs.cpuTicksNanos(writer.pid());
            long allAfter = pids.stream().mapToLong(ProcFs::cpuTicksNanos).sum();
            long endAt = Long.parseLong(figures.getProperty("endEpochNanos"));
            double seconds = (endAt - goAt) / 1e9;
            long records = Long.parseLong(figures.getProperty("records"));
            long lines = countLines(logFile);
            Files.deleteIfExists(logFile); // hundreds of MB: keep the run directory small
            return new Run(records / seconds, 100.0 * (cpuAfter - cpuBefore) / 1e9 / seconds,
                    (allAfter - allBefore) / 1e3 / records, (cpuAfter - cpuBefore) / 1e3 / records, mb(figures, "peakHeapBytes"), mb(figures, "heapAfterGcBytes"),
                    Long.parseLong(figures.getProperty("gcCount")), lines);
        } catch (IOException e) {
            throw new UncheckedIOException("log flood " + tag, e);
        }
    }

    private static Properties awaitResult(Path result, Child writer) throws IOException {
        long deadline = System.nanoTime() + FLOOD_TIMEOUT.toNanos();
        while (!Files.exists(result)) {
            writer.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new BenchException("no flood result after " + FLOOD_TIMEOUT.toMinutes() + " min from " + writer
                        + " (log: " + writer.log() + ")");
            }
            StampTail.sleep(Duration.ofMillis(5));
        }
        Properties figures = new Properties();
        figures.load(new StringReader(Files.readString(result)));
        return figures;
    }

    private static double mb(Properties figures, String key) {
        return Long.parseLong(figures.getProperty(key)) / 1e6;
    }

    private static long countLines(Path file) throws IOException {
        long lines = 0;
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return lines;
    }
}
