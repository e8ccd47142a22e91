package io.workerpool.it.chaos;

import io.workerpool.it.Signal;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Breaks a running {@code ChaosPool} in rounds: each round hits one or two random workers at once with a random
 * fault, then waits until the pool runs N workers again (none of the broken JVMs among them) and records how
 * long that took; a random pause follows. Now and then one worker id crash-loops for a while. Every choice
 * comes from one seeded {@link Random}.
 */
final class ChaosMonkey implements AutoCloseable {
    /** The faults of a round. */
    enum Fault {
        SIGKILL, SIGSTOP_SHORT, SIGSTOP_LONG, CRASH, HALT, RESTART_REQUEST;

        /** Weights out of 100, in declaration order. */
        static final int[] WEIGHTS = {30, 18, 14, 16, 10, 12};
    }

    private static final Duration POLL = Duration.ofMillis(150);
    private static final Duration MAX_PAUSE = Duration.ofMillis(1500);

    private final ChaosSettings settings;
    private final ChaosControl control;
    private final Path triggers;
    private final String ourMarker;
    private final BooleanSupplier masterAlive;
    private final PrintStream log;
    private final Random random;
    private final ScheduledExecutorService continuer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("chaos-sigcont").factory());
    /** Pids we SIGSTOPped and have not SIGCONTed yet. */
    private final Set<Long> stopped = ConcurrentHashMap.newKeySet();
    /** Short stops only: the round is not over until they are continued. */
    private final Set<Long> shortStopsPending = ConcurrentHashMap.newKeySet();

    final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    int rounds;
    int refusedRestartRequests;
    /** Restart requests whose new JVM did not report ready within workerTimeout: the old one kept serving. */
    int failedRestartRequests;
    long maxRecoveryNanos;
    long lastFaultNanos = System.nanoTime();
    int crashLoops;
    int maxCrashLoopRestarts;
    long maxCrashLoopRecoveryNanos;
    final List<String> violations = new ArrayList<>();

    private int crashLoopId = -1;
    private long crashLoopEndNanos;
    private long crashLoopVictimPid;
    private int crashLoopStartRestarts;
    private long nextCrashLoopNanos;
    private long crashLoopEndedNanos;
    private int recoveringCrashLoopId = -1;

    ChaosMonkey(ChaosSettings settings, ChaosControl control, Path triggers, String ourMarker,
                BooleanSupplier masterAlive, PrintStream log) throws IOException {
        this.settings = settings;
        this.control = control;
        this.triggers = Files.createDirectories(triggers);
        this.ourMarker = ourMarker;
        this.masterAlive = masterAlive;
        this.log = log;
        this.random = new Random(settings.seed());
        for (Fault fault : Fault.values()) {
            injected.put(fault, 0);
        }
    }

    /**
     * The faults a chaos phase injects at least, going on past its duration (up to twice it) until it has: on a
     * loaded machine each round's recovery (JVM boots) takes longer, and a phase that broke little proves little.
     */
    static final int MIN_FAULTS = 5;

    /** Runs rounds for {@code duration}; returns false as soon as a violation makes going on pointless. */
    boolean run(Duration duration, boolean withCrashLoops) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long cap = end + duration.toNanos();
        nextCrashLoopNanos = withCrashLoops ? start + duration.toNanos() / 3 : Long.MAX_VALUE;
        int faultsBefore = faultsInjected();
        while (System.nanoTime() < end
                || withCrashLoops && faultsInjected() - faultsBefore < MIN_FAULTS && System.nanoTime() < cap) {
            if (withCrashLoops && crashLoopId < 0 && System.nanoTime() >= nextCrashLoopNanos) {
                startCrashLoop();
            }
            if (!round()) {
                return false;
            }
            pause(Duration.ofMillis(random.nextLong(MAX_PAUSE.toMillis() + 1)));
        }
        return true;
    }

    /** Ends the chaos: continues every stopped JVM, ends a crash loop; then waits until N workers run. */
    boolean finish() throws IOException, InterruptedException {
        for (long pid : List.copyOf(stopped)) {
            stopped.remove(pid);
            if (signal(pid, "CONT")) { // a long stop's JVM is usually gone by now: that is no fault
                lastFaultNanos = System.nanoTime();
            }
        }
        shortStopsPending.clear();
        if (crashLoopId >= 0) {
            endCrashLoop();
        }
        long waitedFrom = lastFaultNanos;
        if (!awaitRecovered(Set.of(), -1, "the final recovery")) {
            return false;
        }
        maxRecoveryNanos = Math.max(maxRecoveryNanos, System.nanoTime() - waitedFrom);
        return true;
    }

    private boolean round() throws IOException, InterruptedException {
        List<ChaosControl.Slot> slots = control.slots();
        List<ChaosControl.Slot> targets = new ArrayList<>(slots.stream().filter(s -> s.id() != crashLoopId
                && s.running()).toList());
        Collections.shuffle(targets, random);
        int count = Math.min(targets.size(), 1 + random.nextInt(2));
        Set<Long> replaced = new HashSet<>();
        long roundStart = System.nanoTime();
        boolean restartRequested = false;
        long restarting = -1;
        for (ChaosControl.Slot target : targets.subList(0, count)) {
            Fault fault = pickFault();
            if (fault == Fault.RESTART_REQUEST && restartRequested) {
                // One restart at a time: the master ignores a restart while another one runs (it logs so).
                fault = Fault.SIGKILL;
            }
            restartRequested |= fault == Fault.RESTART_REQUEST;
            if (inject(fault, target)) {
                injected.merge(fault, 1, Integer::sum);
                if (fault == Fault.RESTART_REQUEST) {
                    restarting = target.pid();
                } else if (fault != Fault.SIGSTOP_SHORT) {
                    replaced.add(target.pid());
                }
                lastFaultNanos = System.nanoTime();
            }
        }
        rounds++;
        if (!awaitRecovered(replaced, restarting, "round " + rounds)) {
            return false;
        }
        maxRecoveryNanos = Math.max(maxRecoveryNanos, System.nanoTime() - roundStart);
        replaced.forEach(this::deleteTriggers);
        return true;
    }

    /** Once its JVM is gone: pids get reused, and a new JVM must not find a trigger meant for an old one. */
    private void deleteTriggers(long pid) {
        try {
            Files.deleteIfExists(triggers.resolve("crash-" + pid));
            Files.deleteIfExists(triggers.resolve("halt-" + pid));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Fault pickFault() {
        int roll = random.nextInt(100);
        for (Fault fault : Fault.values()) {
            roll -= Fault.WEIGHTS[fault.ordinal()];
            if (roll < 0) {
                return fault;
            }
        }
        return Fault.SIGKILL;
    }

    private boolean inject(Fault fault, ChaosControl.Slot target) throws IOException {
        long pid = target.pid();
        long timeout = settings.workerTimeout().toMillis();
        switch (fault) {
            case SIGKILL -> {
                return signal(pid, "KILL");
            }
            case SIGSTOP_SHORT -> {
                // at most half the timeout (heartbeats come every fifth of it): the master must not kill it
                return stopFor(pid, Duration.ofMillis(timeout / 5 + random.nextLong(timeout * 3 / 10)), true);
            }
            case SIGSTOP_LONG -> {
                // well over the timeout: the master must find it stale and kill it (after a 0.5 s thread-dump
                // grace) long before this ends
                return stopFor(pid, Duration.ofMillis(timeout * 3 / 2 + 1000 + random.nextLong(timeout / 2)), false);
            }
            case CRASH -> {
                Files.writeString(triggers.resolve("crash-" + pid), "");
                return true;
            }
            case HALT -> {
                Files.writeString(triggers.resolve("halt-" + pid), "");
                return true;
            }
            case RESTART_REQUEST -> {
                String reply = control.request("restart " + target.id());
                if (!reply.startsWith("ok")) {
                    refusedRestartRequests++;
                    log.println("chaos: restart " + target.id() + " refused: " + reply);
                    return false;
                }
                return true;
            }
            default -> throw new IllegalStateException(fault.name());
        }
    }

    private boolean stopFor(long pid, Duration duration, boolean shortStop) {
        if (!signal(pid, "STOP")) {
            return false;
        }
        stopped.add(pid);
        if (shortStop) {
            shortStopsPending.add(pid);
        }
        continuer.schedule(() -> {
            if (stopped.remove(pid)) {
                signal(pid, "CONT");
            }
            shortStopsPending.remove(pid);
        }, duration.toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /** Signals the process only while it is still one of this pool's JVMs: pids get reused. */
    private boolean signal(long pid, String name) {
        return ChaosProcStats.commandLine(pid).contains(ourMarker) && Signal.trySend(pid, name);
    }

    private void startCrashLoop() throws IOException {
        List<ChaosControl.Slot> running = control.slots().stream().filter(ChaosControl.Slot::running).toList();
        if (running.isEmpty()) {
            return;
        }
        ChaosControl.Slot victim = running.get(random.nextInt(running.size()));
        crashLoopId = victim.id();
        crashLoopStartRestarts = victim.restarts();
        crashLoopEndNanos = System.nanoTime() + settings.crashLoopLength().toNanos();
        nextCrashLoopNanos = System.nanoTime() + settings.crashLoopEvery().toNanos();
        Files.writeString(triggers.resolve("crashloop-" + crashLoopId), "");
        Files.writeString(triggers.resolve("crash-" + victim.pid()), "");
        crashLoopVictimPid = victim.pid();
        crashLoops++;
        lastFaultNanos = System.nanoTime();
        log.println("chaos: worker " + crashLoopId + " crash-loops for " + settings.crashLoopLength().toSeconds() + " s");
    }

    private void endCrashLoop() throws IOException {
        Files.deleteIfExists(triggers.resolve("crashloop-" + crashLoopId));
        deleteTriggers(crashLoopVictimPid); // it crashed at the start of the loop
        int restarts = control.slots().stream().filter(s -> s.id() == crashLoopId).mapToInt(ChaosControl.Slot::restarts)
                .findFirst().orElse(crashLoopStartRestarts) - crashLoopStartRestarts;
        maxCrashLoopRestarts = Math.max(maxCrashLoopRestarts, restarts);
        int bound = ChaosSettings.crashLoopRestartBound(settings.crashLoopLength());
        log.println("chaos: worker " + crashLoopId + " crash loop over: " + restarts + " restarts in "
                + settings.crashLoopLength().toSeconds() + " s (backoff bound " + bound + ")");
        if (restarts > bound) {
            violations.add("worker " + crashLoopId + " restarted " + restarts + " times in a " + settings
                    .crashLoopLength().toSeconds() + " s crash loop; the backoff allows at most " + bound);
        }
        recoveringCrashLoopId = crashLoopId;
        crashLoopEndedNanos = System.nanoTime();
        lastFaultNanos = crashLoopEndedNanos;
        crashLoopId = -1;
    }

    /**
     * Waits until every worker id except a crash-looping one runs, on none of the {@code replaced} pids, with no
     * short stop still pending and no restart request in progress; ends a crash loop when its time is up. A
     * restart request is over when the new JVM took over, or when the reload failed (the new JVM did not report
     * ready within workerTimeout, which a loaded machine can cause) and the old JVM kept serving.
     */
    private boolean awaitRecovered(Set<Long> replaced, long restarting, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + settings.recoveryBound().toNanos();
        while (true) {
            if (!masterAlive.getAsBoolean()) {
                violations.add("the master died during " + what);
                return false;
            }
            if (crashLoopId >= 0 && System.nanoTime() >= crashLoopEndNanos) {
                endCrashLoop();
                deadline = Math.max(deadline, System.nanoTime() + settings.recoveryBound().toNanos());
            }
            ChaosControl.Status status = control.status();
            List<ChaosControl.Slot> slots = status.slots();
            noteCrashLoopRecovery(slots);
            boolean restartOver = restarting < 0 || !status.reloadRunning()
                    && (slots.stream().noneMatch(s -> s.pid() == restarting) || status.reload().startsWith("failed"));
            boolean back = slots.size() == settings.workers() && shortStopsPending.isEmpty() && restartOver
                    && slots.stream().allMatch(s -> s.id() == crashLoopId || s.running() && !replaced.contains(s.pid()));
            if (back) {
                if (restarting >= 0 && slots.stream().anyMatch(s -> s.pid() == restarting)) {
                    failedRestartRequests++;
                    log.println("chaos: restart request of pid " + restarting + " failed: " + status.reload());
                }
                return true;
            }
            if (System.nanoTime() > deadline) {
                violations.add("the pool was not back to " + settings.workers() + " running workers "
                        + settings.recoveryBound().toSeconds() + " s into " + what + " (replacing pids " + replaced
                        + (restarting < 0 ? "" : ", restarting pid " + restarting + ", reload " + status.reload())
                        + (shortStopsPending.isEmpty() ? "" : ", still stopped " + shortStopsPending) + "): " + slots);
                return false;
            }
            pause(POLL);
        }
    }

    private void noteCrashLoopRecovery(List<ChaosControl.Slot> slots) {
        if (recoveringCrashLoopId >= 0 && slots.stream().anyMatch(s -> s.id() == recoveringCrashLoopId && s.running())) {
            maxCrashLoopRecoveryNanos = Math.max(maxCrashLoopRecoveryNanos, System.nanoTime() - crashLoopEndedNanos);
            recoveringCrashLoopId = -1;
        }
    }

    private static void pause(Duration duration) throws InterruptedException {
        Thread.sleep(duration); // the pacing of the fault injection itself, not a wait for an outcome
    }

    /** Starts the figures afresh (after a warm-up); violations are kept. */
    void resetFigures() {
        injected.replaceAll((fault, n) -> 0);
        rounds = 0;
        refusedRestartRequests = 0;
        failedRestartRequests = 0;
        maxRecoveryNanos = 0;
        crashLoops = 0;
        maxCrashLoopRestarts = 0;
        maxCrashLoopRecoveryNanos = 0;
    }

    /** Stops the SIGCONT timer; call after {@link #finish()}, which continued every stopped JVM. */
    @Override
    public void close() {
        continuer.shutdownNow();
    }

    int faultsInjected() {
        return injected.values().stream().mapToInt(Integer::intValue).sum() + crashLoops;
    }
}
