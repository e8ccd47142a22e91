package io.workerpool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JDK 25 AOT cache for the workers of {@link RestartPool}, made by the library's own {@code aotCache(file)}
 * option: a one-worker pool with {@code -Dbench.aotCache=FILE} runs until its master logs that its background
 * training JVM wrote the cache, then stops. The pools of the AOT variant pass the same option and start every
 * worker on it. The JDK only caches classes from jars, so this runs from the module jars, not from
 * target/classes.
 */
final class AotCache {
    /** A usable cache and the class path it was made for (a JVM using it must have the same). */
    record Cache(Path file, String classpath) {
    }

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private AotCache() {
    }

    /** Trains the cache; returns null and says why in {@code skipped} when it can't. */
    static Cache create(BenchContext context, Map<String, String> skipped) {
        String classpath = jarClasspath(context);
        if (classpath == null) {
            skipped.put(Report.OURS_AOT, "the module jars are missing (./run-bench builds them)");
            return null;
        }
        Path cache = context.file("worker.aot");
        try {
            Files.deleteIfExists(cache);
        } catch (java.io.IOException e) {
            skipped.put(Report.OURS_AOT, "cannot delete the previous cache " + cache + ": " + e);
            return null;
        }
        Path stamps = context.file("aot-training.stamps");
        List<String> training = context.javaCommandWithClasspath(List.of("-Dbench.aotCache=" + cache),
                classpath, RestartPool.class.getName(), stamps.toString(), "1");
        Child pool = Child.start("AOT training pool", training, context.runDir(), Map.of(),
                context.runDir().resolve("aot-training.log"));
        String outcome;
        try {
            outcome = awaitLogLine(pool.log(), List.of("trained in", "not used"));
        } finally {
            pool.close(Duration.ofSeconds(30));
        }
        if (outcome == null || !outcome.contains("trained in") || !Files.isRegularFile(cache)) {
            skipped.put(Report.OURS_AOT, "the AOT cache was not trained (" + (outcome == null ? "timed out"
                    : outcome.strip()) + "; see " + pool.log() + ")");
            return null;
        }
        return new Cache(cache, classpath);
    }

    /** The first line of the log holding one of {@code markers}, or null after {@link #TIMEOUT}. */
    private static String awaitLogLine(Path log, List<String> markers) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(log)) {
                    for (String line : Files.readAllLines(log)) {
                        if (markers.stream().anyMatch(line::contains)) {
                            return line;
                        }
                    }
                }
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // being written: read again
            }
            StampTail.sleep(Duration.ofMillis(200));
        }
        return null;
    }

    /** The harness's class path with the bench and core class directories replaced by their jars. */
    private static String jarClasspath(BenchContext context) {
        Path benchJar = jar(context.root().resolve("workerpool-bench/target"), "workerpool-bench-");
        Path coreJar = jar(context.root().resolve("workerpool-core/target"), "workerpool-core-");
        if (benchJar == null || coreJar == null) {
            return null;
        }
        List<String> entries = new ArrayList<>(List.of(benchJar.toString(), coreJar.toString()));
        for (String entry : context.classpath().split(":")) {
            if (!entry.endsWith("/classes") && !entry.contains("workerpool-core") && !entry.isBlank()) {
                entries.add(entry);
            }
        }
        return String.join(":", entries);
    }

    private static Path jar(Path target, String prefix) {
        try (var files = Files.list(target)) {
            // the main jar: not the core's test jar (workerpool-core-VERSION-tests.jar) beside it
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".jar")
                    && !p.getFileName().toString().endsWith("-tests.jar")).findFirst().orElse(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
