package io.workerpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Spring Boot rows: the example application ({@code workerpool-spring-boot-example}'s fat jar, a small
 * REST service on Tomcat) started as a pool with {@code java -jar} and, as the baseline, alone in one JVM
 * ({@code --workerpool.enabled=false}). Measured: cold start of a pool of N workers (launch until the master
 * logs "pool ready"), the application alone (launch until Spring logs "Started"), RSS per worker and of the
 * application alone, and SIGKILL → replacement ready (the master's "started" line) without spares, with
 * {@code workerpool.spares=1} and with {@code workerpool.aot-cache} (once trained). Times come from the
 * timestamps of the log lines, not from when the harness read them.
 */
final class SpringBench {
    static final String JAR = "workerpool-spring-boot-example/target/workerpool-spring-boot-example.jar";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);
    /** A pool's graceful stop: every worker closes its application context. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile(
            "^(\\S+)\\s.*worker (\\d+) \\[RUNNING\\] \\(pid (\\d+)\\) started in");
    private static final Pattern READY = Pattern.compile("^(\\S+)\\s.*pool ready: ");
    private static final Pattern ALONE_STARTED = Pattern.compile("^(\\S+)\\s.*Started CounterApplication in");
    private static final Pattern TRAINED = Pattern.compile("AOT cache .* trained in");
    /** At most this many kills per variant: a Spring worker takes seconds to start. */
    private static final int MAX_KILLS = 6;

    /** One row of the table; NaN where it does not apply. */
    record Row(String name, double startMs, double rssMb, List<Double> restartMs, String note) {
    }

    private final BenchContext context;
    private final BenchSettings settings;
    private final Path fatJar;
    private Path jar;

    SpringBench(BenchContext context) {
        this.context = context;
        this.settings = context.settings();
        this.fatJar = context.root().resolve(JAR);
    }

    /** Why the Spring rows can't run, or null. */
    String unavailableReason() {
        return Files.isRegularFile(fatJar) ? null : "no " + JAR + " (./mvnw -B -DskipTests package -pl "
                + "workerpool-spring-boot-example -am builds it)";
    }

    /**
     * Every row runs the jar extracted as Spring Boot recommends for CDS and AOT caches
     * ({@code java -Djarmode=tools -jar app.jar extract}: the application jar plus lib/ on its manifest
     * Class-Path): the JDK caches only classes of the class path, not those the fat jar's own loader reads
     * from nested jars, so the AOT row compares like with like.
     */
    private Path extract() {
        Path dir = context.runDir().resolve("spring-app");
        Path log = context.file("spring-extract.log");
        try (Child extract = Child.start("Spring jar extraction", List.of(context.javaBinary(), "-Djarmode=tools",
                "-jar", fatJar.toString(), "extract", "--destination", dir.toString()), context.runDir(), Map.of(),
                log)) {
            int status = extract.awaitExit(Duration.ofSeconds(120));
            if (status != 0) {
                throw new BenchException("extracting " + fatJar + " failed (status " + status + "); see " + log);
            }
        }
        return dir.resolve(fatJar.getFileName());
    }

    List<Row> run() {
        jar = extract();
        List<Row> rows = new ArrayList<>();
        rows.add(alone());
        int workers = settings.poolWorkers();
        Row plain = pool("pool of " + workers, workers, List.of(), Duration.ZERO, false);
        rows.add(plain);
        // a spare needs a JVM start before it can take over again
        Duration refill = Duration.ofMillis((long) (2 * percentile(plain.restartMs(), 95)));
        rows.add(pool("pool of " + workers + ", spares 1", workers, List.of("--workerpool.spares=1"), refill, false));
        Path cache = context.file("spring.aot");
        rows.add(pool("pool of " + workers + ", AOT cache", workers, List.of("--workerpool.aot-cache=" + cache),
                Duration.ZERO, true));
        return rows;
    }

    /** The application alone, as SpringApplication.run would run it: start time and RSS. */
    private Row alone() {
        List<Double> starts = new ArrayList<>();
        double rss = Double.NaN;
        for (int i = 0; i < Math.min(settings.repetitions(), 3); i++) {
            Path log = context.file("spring-alone-" + i + ".log");
            Instant launched = Instant.now();
            try (Child app = Child.start("Spring app alone", command("--workerpool.enabled=false",
                    "--server.port=" + BenchContext.freePort()), context.runDir(), Map.of(), log)) {
                Matcher started = await(log, ALONE_STARTED, 1, app);
                starts.add(millisBetween(launched, started.group(1)));
                StampTail.sleep(settings.settle());
                rss = ProcFs.rssBytes(app.pid()) / 1e6;
            }
        }
        return new Row("application alone (1 JVM)", percentile(starts, 50), rss, starts,
                "start: launch to Spring's \"Started\"; the column \"restart\" is that start again");
    }

    private Row pool(String name, int workers, List<String> options, Duration gapAfterRestart, boolean aot) {
        String tag = "spring-" + name.replaceAll("[^a-zA-Z0-9]+", "-").toLowerCase(Locale.ROOT);
        Path log = context.file(tag + ".log");
        List<String> args = new ArrayList<>(List.of("--workerpool.workers=" + workers,
                "--server.port=" + BenchContext.freePort(), "--workerpool.worker-timeout=120s"));
        args.addAll(options);
        Instant launched = Instant.now();
        Child pool = Child.start("Spring pool " + name, command(args.toArray(String[]::new)), context.runDir(),
                Map.of(), log);
        try {
            double coldStart = millisBetween(launched, await(log, READY, 1, pool).group(1));
            String note = "";
            if (aot) {
                await(log, TRAINED, 1, pool);
                note = "restarts after the cache was trained";
            }
            StampTail.sleep(settings.settle());
            Set<Long> known = new HashSet<>();
            List<Long> live = new ArrayList<>();
            for (Matcher m : matches(log, STARTED)) {
                long pid = Long.parseLong(m.group(3));
                known.add(pid);
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    live.add(pid);
                }
            }
            double rss = live.stream().mapToLong(ProcFs::rssBytes).average().orElse(Double.NaN) / 1e6;
            List<Double> restarts = new ArrayList<>();
            int kills = Math.min(settings.kills(), MAX_KILLS);
            for (int kill = 0; kill < kills; kill++) {
                pool.requireAlive();
                long victim = live.removeFirst();
                StampTail.sleep(settings.minUptime());
                int before = matches(log, STARTED).size();
                Instant killedAt = Instant.now();
                ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                Matcher replacement = awaitNew(log, before, known, pool);
                long pid = Long.parseLong(replacement.group(3));
                known.add(pid);
                live.add(pid);
                restarts.add(millisBetween(killedAt, replacement.group(1)));
                StampTail.sleep(settings.killGap().plus(gapAfterRestart));
            }
            return new Row(name, coldStart, rss, restarts, note);
        } finally {
            pool.close(STOP_GRACE);
        }
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(context.javaBinary(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The first "started" line after the first {@code skip} ones whose pid is new. */
    private Matcher awaitNew(Path log, int skip, Set<Long> known, Child pool) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<Matcher> all = matches(log, STARTED);
            for (Matcher m : all.subList(Math.min(skip, all.size()), all.size())) {
                if (!known.contains(Long.parseLong(m.group(3)))) {
                    return m;
                }
            }
            pool.requireAlive();
            StampTail.sleep(Duration.ofMillis(20));
        }
        throw new BenchException("no replacement worker started within " + START_TIMEOUT.toSeconds() + " s; see "
                + log);
    }

    private static Matcher await(Path log, Pattern pattern, int count, Child process) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<Matcher> all = matches(log, pattern);
            if (all.size() >= count) {
                return all.get(count - 1);
            }
            process.requireAlive();
            StampTail.sleep(Duration.ofMillis(20));
        }
        throw new BenchException("no line matching " + pattern + " within " + START_TIMEOUT.toSeconds() + " s; see "
                + log);
    }

    private static List<Matcher> matches(Path log, Pattern pattern) {
        List<Matcher> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log)) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    found.add(m);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** From {@code from} to a log line's ISO-8601 timestamp (Spring Boot's default pattern). */
    private static double millisBetween(Instant from, String timestamp) {
        Instant at = Instant.parse(timestamp);
        return Duration.between(from, at).toNanos() / 1e6;
    }

    private static double percentile(List<Double> values, double p) {
        return values.isEmpty() ? Double.NaN : Summary.percentile(values.stream().sorted().toList(), p);
    }

    /** The rows as a markdown section. */
    static String markdown(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("\n## Spring Boot\n\n");
        out.append("The example application (`workerpool-spring-boot-example`, Spring Boot 4, Tomcat) run with"
                + " `java -jar` on its extracted layout (`-Djarmode=tools extract`, which the JDK's AOT cache needs). Start: launch until the pool is ready (all workers report `ApplicationReadyEvent`),"
                + " or, alone, until Spring logs \"Started\". Restart: SIGKILL of a worker until its replacement is"
                + " ready.\n\n");
        out.append("| Spring Boot example | start (ms) | RSS per JVM (MB) | restart p50 (ms) | restart p95 (ms) | n |"
                + " note |\n");
        out.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.0f | %.0f | %d | %s |%n", row.name(),
                    row.startMs(), row.rssMb(), percentile(row.restartMs(), 50), percentile(row.restartMs(), 95),
                    row.restartMs().size(), row.note()));
        }
        if (rows.size() == 4) {
            double plain = percentile(rows.get(1).restartMs(), 50);
            out.append('\n').append(payoff("A hot spare", plain, percentile(rows.get(2).restartMs(), 50),
                    "it skips the JVM's and the library's start, not Spring's (a spare waits before the worker"
                            + " factory, where the application context starts), and costs a JVM's memory"));
            out.append(' ').append(payoff("The AOT cache", plain, percentile(rows.get(3).restartMs(), 50),
                    "it saves class loading and linking of the whole start, up to the context refresh, for the"
                            + " cost of one training JVM at the pool's start and the cache file"));
            out.append('\n');
        }
        return out.toString();
    }

    /** A sentence on whether a variant's median restart beats the plain pool's. */
    private static String payoff(String what, double plainMs, double variantMs, String why) {
        if (Double.isNaN(plainMs) || Double.isNaN(variantMs)) {
            return what + ": not measured.";
        }
        double saved = plainMs - variantMs;
        if (saved <= 0) {
            return String.format(Locale.ROOT, "%s does not shorten the median restart of a Spring worker here (%.0f →"
                    + " %.0f ms): %s.", what, plainMs, variantMs, why);
        }
        return String.format(Locale.ROOT, "%s shortens the median restart of a Spring worker by %.0f ms (%.0f%%, %.0f →"
                + " %.0f ms): %s.", what, saved, 100 * saved / plainMs, plainMs, variantMs, why);
    }
}
