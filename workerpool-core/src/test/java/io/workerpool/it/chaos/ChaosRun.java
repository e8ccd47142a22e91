package io.workerpool.it.chaos;

import io.workerpool.it.PoolProcess;
import io.workerpool.it.Signal;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos engine: starts a {@code ChaosPool} of N serving workers, warms it up with a first bout of faults,
 * takes the master's baseline (fds, threads, RSS), turns on a client load and lets {@link ChaosMonkey} break
 * workers for the configured time; then checks that the master is alive, the pool is back to N within the
 * recovery bound, the master has no zombie (or stopped, or extra) children, its fds, threads and RSS are back
 * within their margins, the clients were served throughout, and a graceful stop still ends everything.
 * Problems are collected as violations in the {@link ChaosReport}, not thrown, so a run always reports.
 */
public final class ChaosRun {
    private static final Pattern LISTENING = Pattern.compile("worker-listening (\\d+) (\\d+) (\\d+)");
    private static final Duration START = Duration.ofSeconds(60);
    /** A gap without any successful answer longer than this means service stopped, not that a worker died. */
    static final Duration MAX_SERVICE_GAP = Duration.ofSeconds(15);
    /**
     * The master's heap: fixed and touched up front (-XX:+AlwaysPreTouch), so its RSS does not move with the
     * heap's sizing and what the leak check sees growing is native memory, metaspace and code; a heap leak
     * ends in an OutOfMemoryError instead, which the run sees as a dead or broken master.
     */
    static final List<String> MASTER_OPTIONS = List.of("-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch");
    /** Workers re-run the master's command line; these come after it and win. */
    static final String WORKER_OPTIONS = "-Xms16m -Xmx32m -XX:-AlwaysPreTouch -XX:+UseSerialGC";

    private ChaosRun() {
    }

    /** Runs the chaos in {@code dir} (its pool's files land there) and reports; logs progress to {@code log}. */
    public static ChaosReport run(Path dir, ChaosSettings settings, PrintStream log)
            throws IOException, InterruptedException {
        ChaosReport report = new ChaosReport(settings);
        log.println("chaos: seed " + settings.seed() + " (replay with --seed " + settings.seed() + "), "
                + settings.workers() + " workers, " + settings.chaos().toSeconds() + " s of chaos, in " + dir);
        try (PoolProcess pool = chaosPool(dir).with("workers", settings.workers())
                .with("workerTimeoutMs", settings.workerTimeout().toMillis()).start()) {
            pool.awaitEvents(LISTENING.pattern(), settings.workers(), START);
            ChaosControl control = new ChaosControl(dir.resolve("pool.sock"));
            ChaosMonkey monkey = new ChaosMonkey(settings, control, dir.resolve("triggers"), marker(dir),
                    () -> pool.master().isAlive(), log);
            try (monkey) {
                return run(pool, monkey, control, report, settings, dir, log);
            } catch (IOException e) {
                // the control socket failed: a dead or stuck master
                report.violations.add("the control socket failed (" + e.getMessage() + "); master "
                        + (pool.master().isAlive() ? "alive" : "dead"));
                return fail(report, monkey, pool);
            }
        }
    }

    private static ChaosReport run(PoolProcess pool, ChaosMonkey monkey, ChaosControl control, ChaosReport report,
                                   ChaosSettings settings, Path dir, PrintStream log)
            throws IOException, InterruptedException {
        long master = pool.pid();
        int port = port(pool);
        long warmStart = System.nanoTime();
        if (!monkey.run(settings.warmUp(), false) || !monkey.finish()) {
            return fail(report, monkey, pool);
        }
        report.warmUp = Duration.ofNanos(System.nanoTime() - warmStart);
        report.warmUpFaults = monkey.faultsInjected();
        report.baseline = ChaosProcStats.of(master);
        log.println("chaos: warmed up (" + report.warmUpFaults + " faults); master baseline " + report.baseline);
        monkey.resetFigures();

        ChaosClients clients = ChaosClients.start(port, settings.clients(), settings.clientPause());
        long chaosStart = System.nanoTime();
        int restartsBefore = restarts(control);
        try {
            boolean completed = monkey.run(settings.chaos(), true) && monkey.finish();
            report.chaosTime = Duration.ofNanos(System.nanoTime() - chaosStart);
            if (!completed) {
                return fail(report, monkey, pool);
            }
            report.finalRecovery = Duration.ofNanos(System.nanoTime() - monkey.lastFaultNanos);
            report.restarts = restarts(control) - restartsBefore;
            report.longestServiceGap = clients.longestGap();
        } finally {
            clients.close();
            report.clientsOk = clients.ok();
            report.clientsFailed = clients.failed();
            report.clientFailures = clients.failuresByKind();
        }
        copyFigures(report, monkey);

        checkChildren(report, master, control, settings);
        checkLeaks(report, master, settings, log);
        if (report.longestServiceGap.compareTo(MAX_SERVICE_GAP) > 0) {
            report.violations.add("no client got an answer for " + report.longestServiceGap.toMillis()
                    + " ms in a row (at most " + MAX_SERVICE_GAP.toSeconds() + " s allowed): service stopped");
        }
        if (report.clientsOk == 0) {
            report.violations.add("no client request was served at all");
        }
        checkGracefulStop(report, pool, dir);
        if (!report.violations.isEmpty()) {
            report.masterLogTail = pool.tail();
        }
        return report;
    }

    private static void copyFigures(ChaosReport report, ChaosMonkey monkey) {
        report.rounds = monkey.rounds;
        monkey.injected.forEach((fault, n) -> report.faults.put(fault.name(), n));
        report.faults.put("CRASH_LOOP", monkey.crashLoops);
        report.refusedRestartRequests = monkey.refusedRestartRequests;
        report.failedRestartRequests = monkey.failedRestartRequests;
        report.maxRecovery = Duration.ofNanos(monkey.maxRecoveryNanos);
        report.maxCrashLoopRestarts = monkey.maxCrashLoopRestarts;
        report.maxCrashLoopRecovery = Duration.ofNanos(monkey.maxCrashLoopRecoveryNanos);
        report.violations.addAll(monkey.violations);
    }

    private static ChaosReport fail(ChaosReport report, ChaosMonkey monkey, PoolProcess pool) {
        copyFigures(report, monkey);
        report.masterLogTail = pool.tail();
        return report;
    }

    /** Exactly N live children, the ones the status names: no zombie, no stopped JVM, no stray JVM. */
    private static void checkChildren(ChaosReport report, long master, ChaosControl control, ChaosSettings settings)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String problem;
        do {
            List<ChaosProcStats.Child> children = ChaosProcStats.children(master);
            List<Long> workerPids = control.slots().stream().map(ChaosControl.Slot::pid).sorted().toList();
            List<Long> live = children.stream().filter(c -> !c.zombie()).map(ChaosProcStats.Child::pid).sorted()
                    .toList();
            report.zombies = (int) children.stream().filter(ChaosProcStats.Child::zombie).count();
            problem = report.zombies > 0 ? report.zombies + " zombie children: " + children
                    : children.stream().anyMatch(c -> c.state() == 'T') ? "a stopped child: " + children
                    : !live.equals(workerPids) || live.size() != settings.workers()
                            ? "children " + live + " are not the " + settings.workers() + " workers " + workerPids
                            : null;
            if (problem != null) {
                Thread.sleep(200); // a child that just exited is reaped within moments: look again
            }
        } while (problem != null && System.nanoTime() < deadline);
        if (problem != null) {
            report.violations.add("master's children after the chaos: " + problem);
        }
    }

    /**
     * The master's fds, threads and RSS against the baseline plus margins; waits up to {@code settle} for them
     * (idle process-reaper threads linger 60 s after a child exits), and keeps the first sample within margins.
     */
    private static void checkLeaks(ChaosReport report, long master, ChaosSettings settings, PrintStream log)
            throws InterruptedException {
        long deadline = System.nanoTime() + settings.settle().toNanos();
        ChaosProcStats base = report.baseline;
        ChaosProcStats now;
        boolean within;
        do {
            now = ChaosProcStats.of(master);
            within = now.fds() <= base.fds() + settings.fdMargin() && now.threads() <= base.threads()
                    + settings.threadMargin() && now.rssKb() <= base.rssKb() + settings.rssMarginKb();
            if (!within) {
                Thread.sleep(1000);
            }
        } while (!within && System.nanoTime() < deadline);
        report.end = now;
        log.println("chaos: master at the end " + now + " (baseline " + base + ")");
        if (!within) {
            report.violations.add("the master did not come back within its margins (fds +" + settings.fdMargin()
                    + ", threads +" + settings.threadMargin() + ", RSS +" + settings.rssMarginKb() / 1024 + " MiB) in "
                    + settings.settle().toSeconds() + " s: baseline " + base + ", now " + now);
        }
    }

    /** SIGTERM: the master exits 0 and no JVM of this pool is left. */
    private static void checkGracefulStop(ChaosReport report, PoolProcess pool, Path dir) throws InterruptedException {
        pool.signal("TERM");
        int status;
        try {
            status = pool.waitFor(Duration.ofSeconds(60));
        } catch (AssertionError e) {
            report.violations.add("the master did not exit within 60 s of SIGTERM after the chaos");
            return;
        }
        if (status != 0) {
            report.violations.add("the master exited with status " + status + " after SIGTERM, not 0");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<ProcessHandle> left;
        do {
            left = ProcessHandle.allProcesses()
                    .filter(p -> ChaosProcStats.commandLine(p.pid()).contains(marker(dir))).toList();
            if (!left.isEmpty()) {
                Thread.sleep(200);
            }
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        if (!left.isEmpty()) {
            report.violations.add("JVMs of the pool still alive 10 s after the master exited: "
                    + left.stream().map(ProcessHandle::pid).toList());
            left.forEach(p -> Signal.trySend(p.pid(), "KILL"));
        }
    }

    /** A {@code ChaosPool} master with the chaos runs' JVM options. */
    static PoolProcess.Builder chaosPool(Path dir) {
        PoolProcess.Builder builder = PoolProcess.in(dir).mainClass("io.workerpool.testapp.ChaosPool")
                .with("workerJvmOptions", WORKER_OPTIONS);
        MASTER_OPTIONS.forEach(builder::jvmOption);
        return builder;
    }

    /** What every JVM of the pool in {@code dir} has on its command line. */
    static String marker(Path dir) {
        return "-Devents=" + dir.resolve("events.txt") + " ";
    }

    private static int restarts(ChaosControl control) throws IOException {
        return control.slots().stream().mapToInt(ChaosControl.Slot::restarts).sum();
    }

    private static int port(PoolProcess pool) {
        for (String line : pool.events()) {
            Matcher m = LISTENING.matcher(line);
            if (m.matches()) {
                return Integer.parseInt(m.group(3));
            }
        }
        throw new IllegalStateException("no worker-listening event");
    }
}
