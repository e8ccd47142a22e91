package io.workerpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The benchmark harness: runs the restart, cold start, footprint, log-forwarding and HTTP benchmarks against
 * workerpool and its peers, prints the report (a markdown table and notes) to stdout and writes it to
 * {@code docs/benchmarks.md}. Started by {@code ./run-bench}; progress goes to stderr.
 *
 * <p>Options: {@code --quick} (fewer repetitions, shorter phases), {@code --wait-quiet} (first wait, up to 15
 * minutes, for the load average to fall to half the CPU count), {@code --root DIR} (repository root),
 * {@code --out FILE} (default DIR/docs/benchmarks.md), {@code --no-write}, {@code --only lifecycle,logs,http,meters,spring,upgrade},
 * {@code --command TEXT} (the command line to quote in the report).
 */
public final class BenchMain {
    private static final Set<String> PARTS = Set.of("lifecycle", "logs", "http", "meters", "spring",
            "upgrade"); // issue 15 (upgrade) hook: the row "upgrade under load"

    private BenchMain() {
    }

    public static void main(String[] args) {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Path out = null;
        boolean quick = false;
        boolean write = true;
        boolean waitQuiet = false;
        String command = "./run-bench";
        Set<String> parts = new LinkedHashSet<>(List.of("lifecycle", "logs", "http", "meters", "spring",
                "upgrade")); // issue 15 (upgrade) hook
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--no-write" -> write = false;
                case "--wait-quiet" -> waitQuiet = true;
                case "--root" -> root = Path.of(value(args, ++i, "--root")).toAbsolutePath().normalize();
                case "--out" -> out = Path.of(value(args, ++i, "--out")).toAbsolutePath();
                case "--command" -> command = value(args, ++i, "--command");
                case "--only" -> {
                    parts = new LinkedHashSet<>(List.of(value(args, ++i, "--only").split(",")));
                    if (!PARTS.containsAll(parts)) {
                        usage("--only takes a comma-separated subset of " + PARTS + ", got " + parts);
                    }
                }
                default -> usage("unknown option '" + args[i] + "'");
            }
        }
        if (out == null) {
            out = root.resolve("docs/benchmarks.md");
        }
        BenchSettings settings = quick ? BenchSettings.quickRun() : BenchSettings.fullRun();
        BenchContext context = BenchContext.create(root, settings);
        Machine machine = Machine.current();
        Measurements measurements = new Measurements();
        if (waitQuiet) {
            waitForQuiet(machine.cpus());
        }
        long started = System.nanoTime();
        measurements.loadBefore = ProcFs.loadAverage();
        progress("on %s; load average %.2f; files in %s", machine.describe(), measurements.loadBefore,
                context.runDir());

        List<PoolPeer> peers = availablePeers(context, measurements);
        if (parts.contains("lifecycle")) {
            runLifecycle(context, peers, measurements);
        }
        if (parts.contains("logs")) {
            runLogs(context, measurements);
        }
        if (parts.contains("http")) {
            runHttp(context, peers, measurements);
        }
        if (parts.contains("meters")) {
            runMeters(context, measurements);
        }
        String springSection = parts.contains("spring") ? runSpring(context) : "";
        // issue 15 (upgrade) hook: its own section, as Spring's
        String upgradeSection = parts.contains("upgrade") ? new UpgradeUnderLoadBench(context).section() : "";
        measurements.loadAfter = ProcFs.loadAverage();
        measurements.seconds = (System.nanoTime() - started) / 1_000_000_000L;

        String report = new Report(measurements, settings).markdown(machine, command) + springSection + upgradeSection;
        System.out.print(report);
        System.out.flush();
        if (write) {
            try {
                Files.createDirectories(out.getParent());
                Files.writeString(out, report);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the report to " + out, e);
            }
            progress("report written to %s", out);
        }
    }

    /** The Spring Boot rows ({@link SpringBench}) as a markdown section; a note when they can't run. */
    private static String runSpring(BenchContext context) {
        SpringBench bench = new SpringBench(context);
        String reason = bench.unavailableReason();
        if (reason != null) {
            progress("skipping Spring Boot: %s", reason);
            return "\n## Spring Boot\n\nSkipped: " + reason + ".\n";
        }
        progress("Spring Boot example: alone, pool, spares, AOT cache ...");
        List<SpringBench.Row> rows = bench.run();
        for (SpringBench.Row row : rows) {
            progress("  %s: start %.0f ms, RSS %.1f MB, restarts %s", row.name(), row.startMs(), row.rssMb(),
                    row.restartMs());
        }
        return SpringBench.markdown(rows);
    }

    /** Waits up to 15 minutes for the 1-minute load average to fall to half the CPU count. */
    private static void waitForQuiet(int cpus) {
        double quiet = cpus / 2.0;
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(15).toNanos();
        double load;
        while ((load = ProcFs.loadAverage()) > quiet && System.nanoTime() < deadline) {
            progress("load average %.2f, waiting for it to fall to %.1f ...", load, quiet);
            StampTail.sleep(java.time.Duration.ofSeconds(20));
        }
    }

    private static List<PoolPeer> availablePeers(BenchContext context, Measurements m) {
        List<PoolPeer> available = new ArrayList<>();
        for (PoolPeer peer : List.of(WorkerpoolPeer.plain(), new NodeClusterPeer(), new GunicornPeer())) {
            String reason = peer.unavailableReason(context);
            if (reason != null) {
                m.skipped.put(peer.name(), reason);
                progress("skipping %s: %s", peer.name(), reason);
            } else {
                if (!(peer instanceof WorkerpoolPeer)) {
                    m.versions.put(peer.name(), peer.version(context)); // the JDK is in the header already
                }
                available.add(peer);
            }
        }
        return available;
    }

    private static void runLifecycle(BenchContext context, List<PoolPeer> available, Measurements m) {
        LifecycleBench bench = new LifecycleBench(context);
        List<PoolPeer> peers = new ArrayList<>(available);
        peers.add(1, WorkerpoolPeer.withSpares(1));
        if (context.settings().quick()) {
            m.skipped.put(Report.OURS_AOT, "not in --quick runs");
        } else {
            progress("training a JDK AOT cache for the workers ...");
            AotCache.Cache cache = AotCache.create(context, m.skipped);
            if (cache != null) {
                peers.add(1, WorkerpoolPeer.withAotCache(cache));
            }
        }
        progress("counting the classes a worker loads until ready, and a bare JVM ...");
        m.classes = ClassCount.measure(context);
        progress("  worker %d classes until onStart (%d from the CDS archive), bare JVM %d until main()",
                m.classes.worker(), m.classes.fromCds(), m.classes.bare());
        int reps = context.settings().repetitions();
        for (int rep = 1; rep <= reps; rep++) {
            m.sampleLoad();
            for (PoolPeer peer : peers) {
                progress("restart/cold start/footprint %d/%d: %s ...", rep, reps, peer.name());
                LifecycleBench.Run run = bench.run(peer, rep);
                m.lifecycle.computeIfAbsent(peer.name(), k -> new ArrayList<>()).add(run);
                run.warnings().forEach(w -> m.warnings.add(peer.name() + ", repetition: " + w));
                progress("  cold start %.0f ms, restart p50 %.1f ms p95 %.1f ms%s%s", run.coldStartMs(),
                        Summary.percentile(run.restartMs(), 50), Summary.percentile(run.restartMs(), 95),
                        run.bareStartMs().isEmpty() ? "" : String.format(Locale.ROOT, " (bare JVM p50 %.1f ms)",
                                Summary.percentile(run.bareStartMs(), 50)),
                        Double.isNaN(run.idleMasterCpuPercent()) ? "" : String.format(Locale.ROOT,
                                ", idle master CPU %.2f%%, RSS master %.1f MB, worker %.1f MB%s",
                                run.idleMasterCpuPercent(), run.masterRssMb(), run.workerRssMb(),
                                Double.isNaN(run.bareWorkerRssMb()) ? "" : String.format(Locale.ROOT, ", bare %.1f MB",
                                        run.bareWorkerRssMb())));
            }
        }
    }

    private static void runLogs(BenchContext context, Measurements m) {
        LogFloodBench bench = new LogFloodBench(context);
        m.floodRecords = bench.totalRecords();
        int reps = context.settings().repetitions();
        for (int rep = 1; rep <= reps; rep++) {
            m.sampleLoad();
            progress("log forwarding %d/%d: %,d records ...", rep, reps, bench.totalRecords());
            LogFloodBench.Run pool = bench.pool(rep);
            m.floodPool.add(pool);
            LogFloodBench.Run direct = bench.direct(rep);
            m.floodDirect.add(direct);
            progress("  pool %,.0f records/s (master CPU %.0f%%, %.1f µs CPU per record in all, peak heap %.1f MB, after"
                            + " GC %.1f MB); one JVM %,.0f records/s (%.1f µs CPU per record, peak heap %.1f MB)",
                    pool.recordsPerSecond(), pool.cpuPercent(), pool.cpuMicrosPerRecord(), pool.peakHeapMb(),
                    pool.heapAfterGcMb(), direct.recordsPerSecond(), direct.cpuMicrosPerRecord(), direct.peakHeapMb());
        }
    }

    private static void runHttp(BenchContext context, List<PoolPeer> peers, Measurements m) {
        if (Executables.find("wrk").isEmpty()) {
            m.skipped.put("http", "wrk is not installed (`./run-bench --install-peers` as root, or `apt-get install -y"
                    + " wrk`)");
            progress("skipping HTTP: wrk is not installed");
            return;
        }
        m.versions.put("wrk", Executables.firstLine(List.of("wrk", "--version")).replaceAll(" Copyright.*", ""));
        HttpBench bench = new HttpBench(context);
        if (bench.examplesClasspath() == null) {
            m.skipped.put("http", "workerpool-examples is not built (run ./run-bench, which builds it)");
            return;
        }
        boolean node = peers.stream().anyMatch(p -> p instanceof NodeClusterPeer);
        int reps = context.settings().repetitions();
        for (int rep = 1; rep <= reps; rep++) {
            m.sampleLoad();
            progress("HTTP %d/%d ...", rep, reps);
            Wrk.Result jetty = bench.jetty(rep);
            m.httpJetty.add(jetty);
            Wrk.Result alone = bench.jettyAlone(rep);
            m.httpAlone.add(alone);
            String nodeText = "";
            if (node) {
                Wrk.Result nodeResult = bench.node(rep);
                m.httpNode.add(nodeResult);
                nodeText = String.format(Locale.ROOT, "; Node %,.0f requests/s, p99 %.2f ms",
                        nodeResult.requestsPerSecond(), nodeResult.p99Millis());
            }
            progress("  Jetty %,.0f requests/s, p99 %.2f ms, %.1f µs CPU per request, responses per worker %s, busiest"
                    + " share of a burst %.0f%%; alone in one JVM %,.0f requests/s, p99 %.2f ms, %.1f µs CPU per"
                    + " request%s", jetty.requestsPerSecond(), jetty.p99Millis(), jetty.cpuMicrosPerRequest(),
                    jetty.perWorker(), 100 * jetty.burstBusiestShare(), alone.requestsPerSecond(), alone.p99Millis(),
                    alone.cpuMicrosPerRequest(), nodeText);
        }
    }

    /** The cost of shipping metrics ({@link MeterShippingBench}): in this JVM, over a real Unix socket. */
    private static void runMeters(BenchContext context, Measurements m) {
        int rounds = context.settings().quick() ? 50 : 200;
        int reps = context.settings().repetitions();
        for (int rep = 1; rep <= reps; rep++) {
            m.sampleLoad();
            progress("shipping metrics %d/%d: 1,000 series, %d rounds; 10,000 series held ...", rep, reps, rounds);
            try {
                MeterShippingBench.Result result = MeterShippingBench.measure(rounds);
                m.meters.add(result);
                progress("  worker %.1f µs per round (%.4f%% of a core at one round per %.0f s), %d frames; master"
                        + " %d series: heap retained %.1f MB, RSS growth %.1f MB", result.cpuMicrosPerRound(),
                        result.cpuPercentOfCore(), MeterShippingBench.INTERVAL_SECONDS, result.frames(),
                        result.seriesHeld(), result.heapRetainedMb(), result.rssGrowthMb());
            } catch (IOException e) {
                m.skipped.put("meters", "the Unix socket failed: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usage(option + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("bench: " + problem);
        System.err.println("usage: ./run-bench [--quick] [--wait-quiet] [--install-peers] [--no-write] [--out FILE]"
                + " [--only lifecycle,logs,http,meters,spring,upgrade]");
        System.exit(2);
    }

    static void progress(String format, Object... args) {
        System.err.println("bench: " + String.format(Locale.ROOT, format, args));
    }
}
