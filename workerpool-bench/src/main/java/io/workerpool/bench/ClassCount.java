package io.workerpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Classes loaded by a worker until its onStart ran, against a bare JVM until main(): counted from the JVM's
 * own {@code -Xlog:class+load} log, so the figure is a count, not a timing, and doesn't depend on the load of
 * the machine. The worker is the only worker of a {@link RestartPool} (its onStart loads {@code IdleWork}
 * first: the cut); the bare JVM is {@link HelloWorld} (its main() loads {@code Stamps} first).
 */
final class ClassCount {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String WORKER_MARK = " " + IdleWork.class.getName() + " ";
    private static final String BARE_MARK = " " + Stamps.class.getName() + " ";

    /**
     * @param worker   classes a worker loaded until its onStart
     * @param bare     classes a bare JVM loaded until its main()
     * @param fromCds  of the worker's, how many came from the CDS archive
     * @param extraByPackage of the classes the worker loaded and the bare JVM did not, the count per package,
     *                       largest first (lambda and other hidden classes under their host's package)
     */
    record Result(int worker, int bare, int fromCds, Map<String, Integer> extraByPackage) {
    }

    private ClassCount() {
    }

    static Result measure(BenchContext context) {
        Path dir = context.runDir().resolve("classes");
        Path stamps = context.file("classes.stamps");
        try {
            Files.createDirectories(dir);
            List<String> master = List.of("-Dbench.workerJvmOptions=-Xlog:class+load:file=" + dir.resolve("worker-%p.log"));
            try (Child pool = Child.start("class-count pool", context.javaCommand(master, RestartPool.class.getName(),
                    stamps.toString(), "1"), context.runDir(), Map.of(), context.runDir().resolve("classes.log"))) {
                new StampTail(stamps).awaitDistinctPids(1, READY_TIMEOUT, "the class-count worker (log: " + pool.log()
                        + ")");
            }
            Path bareLog = dir.resolve("bare.log");
            Process bare = new ProcessBuilder(context.javaCommand(List.of("-Xlog:class+load:file=" + bareLog),
                    HelloWorld.class.getName())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!bare.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                bare.destroyForcibly();
                throw new BenchException("the hello-world JVM did not exit within 60 s");
            }
            Path workerLog;
            try (Stream<Path> files = Files.list(dir)) {
                workerLog = files.filter(p -> p.getFileName().toString().startsWith("worker-")).findFirst()
                        .orElseThrow(() -> new BenchException("the worker wrote no class log in " + dir));
            }
            List<String> worker = loadedUntil(workerLog, WORKER_MARK);
            List<String> bareClasses = loadedUntil(bareLog, BARE_MARK);
            return compare(worker, bareClasses);
        } catch (IOException e) {
            throw new BenchException("cannot count classes: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    /** The class-load lines of the log up to (not including) the line with {@code mark}. */
    static List<String> loadedUntil(Path log, String mark) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.contains(mark)) {
                return lines;
            }
            if (line.contains("[class,load]")) {
                lines.add(line);
            }
        }
        throw new BenchException(log + " has no line with" + mark + ": the process did not get that far");
    }

    static Result compare(List<String> worker, List<String> bare) {
        Set<String> bareNames = new HashSet<>();
        bare.forEach(line -> bareNames.add(className(line)));
        Map<String, Integer> extra = new TreeMap<>();
        int fromCds = 0;
        for (String line : worker) {
            if (line.contains("source: shared objects file")) {
                fromCds++;
            }
            String name = className(line);
            if (!bareNames.contains(name)) {
                int dot = name.lastIndexOf('.');
                extra.merge(dot < 0 ? "" : name.substring(0, dot), 1, Integer::sum);
            }
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        extra.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return new Result(worker.size(), bare.size(), fromCds, sorted);
    }

    /** The class name of a {@code [class,load]} line; hidden classes' addresses dropped ({@code Foo$$Lambda}). */
    static String className(String line) {
        int start = line.indexOf("[class,load] ") + "[class,load] ".length();
        int end = line.indexOf(' ', start);
        String name = line.substring(start, end < 0 ? line.length() : end);
        int hidden = name.indexOf('/');
        return hidden < 0 ? name : name.substring(0, hidden);
    }
}
