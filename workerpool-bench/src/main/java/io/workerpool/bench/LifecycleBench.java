package io.workerpool.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One repetition of a pool's life, for one peer: cold start of N workers, footprint while idle, then
 * SIGKILLs of one worker at a time, each timed until its replacement is ready. For workerpool, the bare JVM
 * floor (a hello world started by the harness) is measured between the kills, under the same load, and a
 * bare JVM running the worker's code without the library is the baseline of the per-worker RSS.
 */
final class LifecycleBench {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REPLACEMENT_TIMEOUT = Duration.ofSeconds(30);
    /** How long a new hot spare gets to boot before the next kill (a worker boot is 0.2 to 1 s on 2 busy cores). */
    static final Duration SPARE_WARM_UP = Duration.ofSeconds(2);

    /**
     * What one repetition measured; NaN where it does not apply to the peer. {@code restartCpuMs} and
     * {@code bareStartCpuMs}: the CPU time each new process had used when it was ready.
     */
    record Run(double coldStartMs, List<Double> restartMs, List<Double> restartCpuMs, List<Double> bareStartMs,
               List<Double> bareStartCpuMs, double idleMasterCpuPercent, double masterRssMb, double workerRssMb,
               double bareWorkerRssMb, double bareIdleCpuPercent, double trimmedWorkerRssMb,
               double trimmedBareRssMb, List<String> warnings) {
    }

    /** A process start: wall time from fork to ready, and the CPU time it had used by then (NaN if unknown). */
    record Start(double wallMs, double cpuMs) {
        static Start of(long forkedAt, Stamps.Stamp ready) {
            return new Start((ready.epochNanos() - forkedAt) / 1e6,
                    ready.cpuNanos() < 0 ? Double.NaN : ready.cpuNanos() / 1e6);
        }
    }

    private final BenchContext context;
    private final BenchSettings settings;

    LifecycleBench(BenchContext context) {
        this.context = context;
        this.settings = context.settings();
    }

    Run run(PoolPeer peer, int repetition) {
        // The floor and the bare worker go with the plain workerpool pool; the AOT variant only restarts.
        boolean workerpool = peer instanceof WorkerpoolPeer;
        boolean variant = workerpool && !((WorkerpoolPeer) peer).isPlain();
        boolean ours = workerpool && !variant;
        boolean footprint = !variant;
        String tag = "lifecycle-" + key(peer) + "-" + repetition;
        Path stamps = context.file(tag + ".stamps");
        int workers = settings.poolWorkers();
        List<String> warnings = new ArrayList<>();
        long launched = Stamps.epochNanos();
        try (Child pool = peer.launch(context, workers, BenchContext.freePort(), stamps, tag)) {
            StampTail tail = new StampTail(stamps);
            List<Stamps.Stamp> first = tail.awaitDistinctPids(workers, READY_TIMEOUT, workers + " ready workers of "
                    + pool + " (log: " + pool.log() + ")");
            double coldStartMs = (readyTime(first, workers) - launched) / 1e6;

            // Footprint first, while the pool is as it started.
            Footprint fp = footprint ? footprint(pool, tail, ours ? tag : null) : Footprint.NONE;
            if (!footprint) {
                StampTail.sleep(settings.settle());
            }

            List<Double> restarts = new ArrayList<>();
            List<Double> restartCpu = new ArrayList<>();
            List<Double> bareStarts = new ArrayList<>();
            List<Double> bareStartCpu = new ArrayList<>();
            Set<Long> knownPids = new HashSet<>();
            tail.seen().forEach(s -> knownPids.add(s.pid()));
            for (int kill = 0; kill < settings.kills(); kill++) {
                pool.requireAlive();
                Map<Long, Stamps.Stamp> live = liveWorkers(tail);
                Stamps.Stamp victim = live.values().stream()
                        .min(java.util.Comparator.comparingLong(Stamps.Stamp::epochNanos))
                        .orElseThrow(() -> new BenchException("no live worker left in " + pool));
                long age = Stamps.epochNanos() - victim.epochNanos();
                if (age < settings.minUptime().toNanos()) {
                    StampTail.sleep(Duration.ofNanos(settings.minUptime().toNanos() - age));
                }
                Optional<ProcessHandle> handle = ProcessHandle.of(victim.pid());
                if (handle.isEmpty()) {
                    warnings.add("worker pid " + victim.pid() + " vanished before it was killed");
                    continue;
                }
                int skip = tail.seen().size();
                long killedAt = Stamps.epochNanos();
                handle.get().destroyForcibly();
                Stamps.Stamp replacement = tail.await(skip, s -> !knownPids.contains(s.pid()), REPLACEMENT_TIMEOUT,
                        "the replacement of worker " + victim.id() + " (pid " + victim.pid() + ") of " + pool
                                + " (log: " + pool.log() + ")");
                knownPids.add(replacement.pid());
                Start restart = Start.of(killedAt, replacement);
                restarts.add(restart.wallMs());
                restartCpu.add(restart.cpuMs());
                if (workerpool && replacement.id() != victim.id()) {
                    warnings.add("worker " + victim.id() + " was replaced by a worker with id " + replacement.id());
                }
                StampTail.sleep(settings.killGap());
                if (workerpool && ((WorkerpoolPeer) peer).hasSpares()) {
                    // The promotion started a new spare: let it boot and wait, or the next kill finds none.
                    StampTail.sleep(SPARE_WARM_UP);
                }
                if (ours) {
                    Start hello = helloWorld();
                    bareStarts.add(hello.wallMs());
                    bareStartCpu.add(hello.cpuMs());
                    StampTail.sleep(settings.killGap());
                }
            }
            return new Run(coldStartMs, restarts, restartCpu, bareStarts, bareStartCpu, fp.idleCpu(), fp.masterRss(), fp.workerRss(), fp.bareRss(),
                    fp.bareIdleCpu(), fp.trimmedWorkerRss(), fp.trimmedBareRss(), warnings);
        }
    }

    private record Footprint(double idleCpu, double masterRss, double workerRss, double bareRss, double bareIdleCpu,
                             double trimmedWorkerRss, double trimmedBareRss) {
        static final Footprint NONE = new Footprint(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN);
    }

    /**
     * After a settle: the master's CPU over the idle window, then RSS of master and workers (MB); with a
     * {@code bareTag}, also the RSS of a bare worker JVM started at the beginning of the settle.
     */
    private Footprint footprint(Child pool, StampTail tail, String bareTag) {
        Child bare = bareTag == null ? null : startBareWorker(bareTag);
        try {
            StampTail.sleep(settings.settle());
            pool.requireAlive();
            long cpuBefore = ProcFs.cpuNanos(pool.pid());
            long bareBefore = bare == null ? 0 : ProcFs.cpuNanos(bare.pid());
            long wallBefore = System.nanoTime();
            StampTail.sleep(settings.idleWindow());
            long cpuAfter = ProcFs.cpuNanos(pool.pid());
            long bareAfter = bare == null ? 0 : ProcFs.cpuNanos(bare.pid());
            long wall = System.nanoTime() - wallBefore;
            java.util.Set<Long> workerPids = liveWorkers(tail).keySet();
            double workerRss = workerPids.stream().mapToLong(ProcFs::rssBytes).average().orElse(-1);
            double bareRss = bare == null ? Double.NaN : ProcFs.rssBytes(bare.pid()) / 1e6;
            // Then the same after each JVM hands freed malloc memory back (glibc keeps what the JIT's start-up
            // arenas freed, a varying 0 to 7 MB per JVM): the library's own part, without that noise.
            double trimmedWorker = Double.NaN;
            double trimmedBare = Double.NaN;
            if (bare != null && workerPids.stream().allMatch(this::trimNativeHeap) && trimNativeHeap(bare.pid())) {
                trimmedWorker = workerPids.stream().mapToLong(ProcFs::rssBytes).average().orElse(-1) / 1e6;
                trimmedBare = ProcFs.rssBytes(bare.pid()) / 1e6;
            }
            return new Footprint(100.0 * (cpuAfter - cpuBefore) / wall, ProcFs.rssBytes(pool.pid()) / 1e6,
                    workerRss / 1e6, bareRss, bare == null ? Double.NaN : 100.0 * (bareAfter - bareBefore) / wall,
                    trimmedWorker, trimmedBare);
        } finally {
            if (bare != null) {
                bare.close();
            }
        }
    }

    /** {@code jcmd PID System.trim_native_heap} (JDK 17.0.9+): glibc's malloc_trim in that JVM. */
    private boolean trimNativeHeap(long pid) {
        Path jcmd = Path.of(context.javaBinary()).resolveSibling("jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "System.trim_native_heap")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** When the N-th distinct worker stamped: the pool is ready. */
    private static long readyTime(List<Stamps.Stamp> stamps, int workers) {
        Map<Long, Long> firstByPid = new LinkedHashMap<>();
        for (Stamps.Stamp s : stamps) {
            firstByPid.putIfAbsent(s.pid(), s.epochNanos());
        }
        return firstByPid.values().stream().sorted().skip(workers - 1L).findFirst().orElseThrow();
    }

    /** The latest stamp of each worker that is still alive, by pid. */
    private static Map<Long, Stamps.Stamp> liveWorkers(StampTail tail) {
        Map<Long, Stamps.Stamp> live = new LinkedHashMap<>();
        for (Stamps.Stamp s : tail.seen()) {
            if (ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                live.put(s.pid(), s);
            }
        }
        return live;
    }

    private Child startBareWorker(String tag) {
        Path stamps = context.file(tag + "-bare.stamps");
        Child bare = Child.start("bare worker JVM " + tag,
                context.javaCommand(List.of(), BareWorker.class.getName(), stamps.toString()), context.runDir(),
                Map.of(), context.runDir().resolve(tag + "-bare.log"));
        new StampTail(stamps).awaitDistinctPids(1, READY_TIMEOUT, "the bare worker JVM (log: " + bare.log() + ")");
        return bare;
    }

    /** Starts {@link HelloWorld} with the pool's JVM options and class path: from fork to its main() stamp. */
    Start helloWorld() {
        ProcessBuilder builder = new ProcessBuilder(context.javaCommand(List.of(), HelloWorld.class.getName()))
                .redirectErrorStream(true);
        long started = Stamps.epochNanos();
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String line;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                line = out.readLine();
                out.transferTo(java.io.Writer.nullWriter());
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchException("the hello-world JVM did not exit within 30 s");
            }
            if (line == null || process.exitValue() != 0) {
                throw new BenchException("the hello-world JVM failed (status " + process.exitValue() + ", first line "
                        + line + ")");
            }
            return Start.of(started, Stamps.Stamp.parse("0 " + line));
        } catch (IOException e) {
            throw new BenchException("cannot start the hello-world JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    static String key(PoolPeer peer) {
        return peer.name().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
