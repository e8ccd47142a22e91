package io.workerpool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JDK 25 AOT cache for the workers of {@link RestartPool} (JEP 483/514): a training run of a one-worker pool
 * whose worker records an AOT configuration ({@code -XX:AOTMode=record}) until it is stopped, then
 * {@code -XX:AOTMode=create}. The cache holds the classes a worker loads, already parsed and linked, so
 * that a worker JVM starts with them as a hello world starts with the JDK's default CDS archive. The JDK
 * only caches classes from jars, so this runs from the module jars, not from target/classes.
 */
final class AotCache {
    /** A usable cache and the class path it was made for (a JVM using it must have the same). */
    record Cache(Path file, String classpath) {
    }

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private AotCache() {
    }

    /** Trains and creates the cache; returns null and says why in {@code skipped} when it can't. */
    static Cache create(BenchContext context, Map<String, String> skipped) {
        String classpath = jarClasspath(context);
        if (classpath == null) {
            skipped.put(Report.OURS_AOT, "the module jars are missing (./run-bench builds them)");
            return null;
        }
        Path config = context.file("worker.aotconf");
        Path cache = context.file("worker.aot");
        Path stamps = context.file("aot-training.stamps");
        List<String> training = context.javaCommandWithClasspath(List.of("-Dbench.stopTimeoutSeconds=120",
                        "-Dbench.workerJvmOptions=-XX:AOTMode=record -XX:AOTConfiguration=" + config),
                classpath, RestartPool.class.getName(), stamps.toString(), "1");
        Child pool = Child.start("AOT training pool", training, context.runDir(), Map.of(),
                context.runDir().resolve("aot-training.log"));
        try {
            new StampTail(stamps).awaitDistinctPids(1, TIMEOUT, "the AOT training worker (log: " + pool.log() + ")");
            StampTail.sleep(Duration.ofSeconds(1));
        } finally {
            pool.close(TIMEOUT); // the worker writes its configuration as it exits
        }
        List<String> create = List.of(context.javaBinary(), BenchContext.NATIVE_ACCESS, "-XX:AOTMode=create",
                "-XX:AOTConfiguration=" + config, "-XX:AOTCache=" + cache, "-cp", classpath);
        try (Child creator = Child.start("AOT cache creation", create, context.runDir(), Map.of(),
                context.runDir().resolve("aot-create.log"))) {
            int status = creator.awaitExit(TIMEOUT);
            if (status != 0 || !Files.isRegularFile(cache)) {
                skipped.put(Report.OURS_AOT, "the AOT cache could not be created (status " + status + ", see "
                        + creator.log() + ")");
                return null;
            }
        }
        return new Cache(cache, classpath);
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
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".jar")).findFirst().orElse(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
