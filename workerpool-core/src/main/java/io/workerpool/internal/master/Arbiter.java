package io.workerpool.internal.master;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.core.Outcome;
import io.workerpool.internal.core.Role;
import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.metrics.PssRecycling;
import io.workerpool.internal.metrics.WorkerTelemetry;
import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.ops.MasterLog;
import io.workerpool.internal.launch.StderrTail;
import io.workerpool.internal.launch.WorkerAotCache;

/**
 * The pool's state and what each event does to it; runs only on the pool's loop thread (see {@link Pool}).
 * Keeps every slot served: replaces an exited JVM at once or after its backoff, kills a silent one, stops
 * them all on request, and drives rolling reloads through {@link RollingReload}.
 */
final class Arbiter {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final Duration DUMP_GRACE = Duration.ofMillis(500);
    /** Generous: on two busy cores a training run takes 10-20 s, most of it the JDK assembling the cache. */
    private static final Duration AOT_TRAINING_TIMEOUT = Duration.ofMinutes(5);

    private final PoolConfig config;
    private final LoopPorts.Launcher launcher;
    private final LoopPorts.Admissions admissions;
    private final LoopPorts.Clock clock;
    /** The workers' latest JVM samples (heap, GC, PSS), kept by the channel's readers: read here, never changed. */
    private final WorkerTelemetry telemetry;
    private final Consumer<PoolEvent> events;
    private final Timer timer;
    private final Map<Integer, WorkerSlot> slots = new LinkedHashMap<>();
    /** Every JVM alive now (active, successor, spare), by generation: events find their JVM here. */
    private final Map<Long, WorkerJvm> live = new java.util.HashMap<>();
    private final HotSpares spares;
    private final WorkerAotCache aotCache;
    private final RollingReload reload;
    private final PoolObserver observer;
    private boolean readyAnnounced;
    private PoolState state = PoolState.STARTING;
    private long generations;
    private boolean stopEscalated;
    private String haltReason;
    private Duration stopTimeout;
    private volatile Set<Integer> publishedIds = Set.of();
    private final List<ScaleWait> scaleWaits = new ArrayList<>();

    /** Schedules an event on the pool's queue after a delay. */
    interface Timer {
        void schedule(Duration delay, PoolEvent event);
    }

    Arbiter(PoolConfig config, LoopPorts.Launcher launcher, LoopPorts.Admissions admissions, LoopPorts.Clock clock,
            Consumer<PoolEvent> events, Timer timer, PoolObserver observer, WorkerTelemetry telemetry) {
        this.telemetry = telemetry;
        this.observer = observer;
        this.config = config;
        this.launcher = launcher;
        this.admissions = admissions;
        this.clock = clock;
        this.events = events;
        this.timer = timer;
        this.stopTimeout = config.stopTimeout();
        this.reload = new RollingReload(this, observer, config.reloadBatch());
        this.spares = new HotSpares(config.spares(), this::spawn);
        this.aotCache = WorkerAotCache.of(config, launcher.command());
    }

    /** The arbiter's clock: the loop's, or the simulation's. */
    long now() {
        return clock.nanoTime();
    }

    PoolState state() {
        return state;
    }

    Set<Integer> workerIds() {
        return publishedIds;
    }

    /** Whether {@code pid} is a JVM this pool started and still waits for (worker, successor or spare). */
    boolean isWorkerPid(long pid) {
        for (WorkerJvm jvm : live.values()) {
            if (jvm.pid() == pid) {
                return true;
            }
        }
        return false;
    }

    /** Starts every initial worker at once; they boot in parallel. */
    void start(Iterable<Integer> ids) {
        for (int id : ids) {
            slots.put(id, new WorkerSlot(id));
        }
        publishIds();
        slots.values().forEach(slot -> slot.active = spawn(slot.id));
        if (state == PoolState.STARTING) {
            state = PoolState.RUNNING;
        }
        spares.fill();
        startAotTrainingIfDue();
    }

    void handle(PoolEvent event) {
        switch (event) {
            case PoolEvent.WorkerExited e -> onExited(e);
            case PoolEvent.WorkerConnected e -> onConnected(e);
            case PoolEvent.WorkerSaid e -> onSaid(e);
            case PoolEvent.WorkerDisconnected e -> onDisconnected(e);
            case PoolEvent.WorkerMisbehaved e -> onMisbehaved(e);
            case PoolEvent.RestartDue e -> onRestartDue(e);
            case PoolEvent.KillDue e -> onKillDue(e);
            case PoolEvent.Tick ignored -> {
                killSilentWorkers();
                recycleOldOrLargeWorkers();
                if (state == PoolState.RUNNING) {
                    spares.fill();
                    startAotTrainingIfDue();
                }
                observer.tick(); // after the check: the systemd watchdog ping says the loop is alive
            }
            case PoolEvent.StopRequested e -> requestPoolStop(e.interrupt(), e.cause(), stopTimeout);
            case PoolEvent.StopDeadline ignored -> onStopDeadline();
            case PoolEvent.OperationSignal e -> onOperationSignal(e.name());
            case PoolEvent.Call call -> call.action().run();
        }
        if (state == PoolState.STOPPING && live.isEmpty()) {
            state = PoolState.STOPPED;
        }
        if (!scaleWaits.isEmpty()) {
            settleScaleWaits();
        }
    }

    // ---- spawning and exits ----

    /** Starts a JVM for this id; null when the JVM could not even be started (a restart is scheduled). */
    WorkerJvm spawn(int id) {
        long generation = ++generations;
        String secret = launcher.newSecret();
        admissions.admit(id, generation, secret);
        try {
            int aotEpoch = aotCache.epochForSpawn();
            Role role = id < 0 ? new Role.Spare(-id) : new Role.Worker(id);
            WorkerJvm jvm = new WorkerJvm(role, generation, launcher.spawn(id, secret, aotCache.workerOptions(), null),
                    clock.nanoTime());
            jvm.aotCacheEpoch = aotEpoch;
            admissions.spawned(secret, jvm.pid());
            live.put(generation, jvm);
            jvm.process.exitStatus().thenAccept(status -> events.accept(new PoolEvent.WorkerExited(id, generation,
                    status)));
            LOG.debug("{}: spawned", jvm);
            return jvm;
        } catch (IOException e) {
            admissions.revoke(id, generation);
            WorkerSlot slot = slots.get(id);
            if (slot == null) {
                LOG.error("hot spare: cannot start a JVM ({}); command: {}", e.getMessage(), launcher.command());
                return null;
            }
            Duration delay = RestartPolicy.delay(++slot.quickExitsInARow, ExitCodes.BOOT_ERROR);
            LOG.error("worker {}: cannot start a JVM ({}); command: {}; retrying in {} ms", id, e.getMessage(),
                    launcher.command(), delay.toMillis());
            scheduleRestart(slot, delay);
            return null;
        }
    }

    /** One JVM in the background writes the workers' AOT cache when it is missing or stale. */
    private void startAotTrainingIfDue() {
        if (state != PoolState.RUNNING || !aotCache.trainingDue()) {
            return;
        }
        int id = WorkerAotCache.TRAINING_ID;
        long generation = ++generations;
        String secret = launcher.newSecret();
        admissions.admit(id, generation, secret);
        try {
            List<String> options = aotCache.startTraining();
            WorkerJvm jvm = new WorkerJvm(new Role.Training(), generation, launcher.spawn(id, secret, options,
                    aotCache.trainingLog()),
                    clock.nanoTime());
            admissions.spawned(secret, jvm.pid());
            live.put(generation, jvm);
            jvm.process.exitStatus().thenAccept(status -> events.accept(new PoolEvent.WorkerExited(id, generation,
                    status)));
            timer.schedule(AOT_TRAINING_TIMEOUT, new PoolEvent.KillDue(id, generation, "did not finish within "
                    + AOT_TRAINING_TIMEOUT.toMinutes() + " min", false));
            LOG.debug("{}: spawned with {}", jvm, options);
        } catch (IOException e) {
            admissions.revoke(id, generation);
            aotCache.trainingNotStarted(e.getMessage());
        }
    }

    private void onExited(PoolEvent.WorkerExited e) {
        WorkerJvm jvm = live.remove(e.generation());
        if (jvm == null) {
            return;
        }
        boolean neverConnected = admissions.revoke(jvm.id(), jvm.generation);
        String bootError = jvm.connection != null ? jvm.connection.bootError() : jvm.bootError;
        // Not closed here: the worker's last log records may still be in the channel, and closing would
        // discard them. Its reader replays them, meets the end of the stream the exit left, and closes it.
        jvm.connection = null;
        String how = ExitCodes.describe(e.status());
        if (jvm.isTraining()) {
            aotCache.trainingExited(e.status(), jvm.state == SlotState.STOPPING);
            return;
        }
        if (jvm.isSpare()) {
            spares.exited(jvm, how);
            return;
        }
        WorkerSlot slot = slots.get(jvm.id());
        if (slot == null || slot.jvm(jvm.generation) == null) {
            return;
        }
        long uptimeNanos = clock.nanoTime() - jvm.spawnedNanos;
        // What this duration measures is said where it is printed: the JVM's whole life, from its spawn.
        String uptime = formatMillis(uptimeNanos / 1_000_000) + " of JVM uptime";
        observer.workerExited(jvm.id(), jvm.pid(), e.status(),
                jvm.stopCause != null ? jvm.stopCause : ExitCause.ofStatus(e.status()));
        if (jvm == slot.successor) {
            slot.successor = null;
            String when = jvm.state == SlotState.STARTING ? "before it was ready" : "before it took over";
            LOG.error("{} exited ({}) after {} {}; {} keeps serving", jvm, how, uptime, when, slot);
            reload.successorFailed(slot, jvm + " exited (" + how + ") " + when);
            return;
        }
        slot.active = null;
        slot.lastExitStatus = e.status();
        slot.lastExit = how;
        if (slot.successor != null) {
            slot.active = slot.successor;
            slot.successor = null;
            LOG.info("{} exited ({}) after {}; {} took over", jvm, how, uptime, slot.active);
            reload.replaced(slot);
            return;
        }
        if (slot.removal != null) {
            LOG.info("{} exited ({}) after {}; removed from the pool", jvm, how, uptime);
            forget(slot, e.status());
            return;
        }
        if (state != PoolState.RUNNING) {
            LOG.info("{} stopped ({}) after {}", jvm, how, uptime);
            return;
        }
        if (jvm.state == SlotState.STOPPING) {
            // Asked to stop for a replacement that died after it was ready (found by PoolSimulationTest): the id
            // still needs a JVM, and this exit was no crash.
            LOG.warn("{} stopped ({}) after {}, but the JVM that was to replace it is gone; starting another", jvm,
                    how, uptime);
            fillNow(slot);
            return;
        }
        // Counted from its "started" report, not its spawn: on a loaded machine a JVM may take more than a
        // second to boot, and a worker that dies right after starting must still count as a crash loop.
        long runningNanos = jvm.startedNanos == 0 ? 0 : clock.nanoTime() - jvm.startedNanos;
        boolean quick = runningNanos < RestartPolicy.STABLE_UPTIME.toNanos();
        slot.quickExitsInARow = quick ? slot.quickExitsInARow + 1 : 0;
        // A JVM that ended by itself before it reached the master never ran the worker: a bad JVM option, a
        // main class missing, the program failing before Supervisor.main(). As a factory that throws, it
        // will fail the same way again.
        boolean booted = e.status() != ExitCodes.BOOT_ERROR && !(neverConnected && e.status() < 128);
        slot.bootErrorsInARow = booted ? 0 : slot.bootErrorsInARow + 1;
        if (!booted) {
            slot.bootError = bootError != null ? "its last error: " + bootError : neverConnected
                    ? "it " + EXITED_BEFORE_CONNECTING : slot.bootError;
        }
        if (slot.bootErrorsInARow >= RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW) {
            giveUp(slot, jvm, how);
            return;
        }
        slot.restarts++;
        observer.workerRestarting(slot.id);
        Duration delay = RestartPolicy.delay(slot.quickExitsInARow, booted ? e.status() : ExitCodes.BOOT_ERROR);
        String cause = neverConnected && e.status() < 128 ? ": it " + EXITED_BEFORE_CONNECTING
                : jvm.killPending && e.status() == 128 + 9 ? ": killed by the master (see above)"
                : causeOf(e.status());
        if (jvm.startedNanos == 0 && config.stderr() != null) {
            cause += StderrTail.describe(config.stderr());
        }
        if (delay.isZero()) {
            LOG.warn("{} exited ({}) after {}{}; {}", jvm, how, uptime, cause,
                    spares.hasReady() ? "a hot spare takes over" : "restarting");
            fillNow(slot);
        } else {
            LOG.warn("{} exited ({}) after {}{}; {} in a row within {} ms of reporting started: restarting in {} ms",
                    jvm, how, uptime, cause, slot.quickExitsInARow == 1 ? "1 exit" : slot.quickExitsInARow + " exits",
                    RestartPolicy.STABLE_UPTIME.toMillis(), delay.toMillis());
            scheduleRestart(slot, delay);
        }
    }

    /** Like gunicorn's WORKER_BOOT_ERROR: don't restart what can never start. */
    private void giveUp(WorkerSlot slot, WorkerJvm jvm, String how) {
        slot.failed = true;
        String why = slot.bootError != null ? slot.bootError : "see the worker's error above";
        LOG.error("{} exited ({}): worker {} failed to boot {} times in a row, giving up on it; {}. This is a"
                + " configuration error: fix it, then restart the pool{}", jvm, how, slot.id, slot.bootErrorsInARow,
                why, config.stderr() == null ? "" : StderrTail.describe(config.stderr()));
        if (slots.values().stream().allMatch(s -> s.failed || s.removal != null)) {
            String stderr = config.stderr() == null ? "" : StderrTail.lastLines(config.stderr(), 3);
            haltReason = "no worker could boot: every worker failed to boot " + RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW
                    + " times in a row; worker " + slot.id + ": " + why
                    + (stderr.isEmpty() ? "" : "; the workers' stderr " + config.stderr() + " ends with: " + stderr);
            requestPoolStop(false, haltReason, stopTimeout);
        }
    }

    /** The stop budget of each worker: the configured one, or the one of the stop under way. */
    Duration stopTimeout() {
        return stopTimeout;
    }

    /** How many JVMs this pool started have not been seen to exit yet. */
    int liveCount() {
        return live.size();
    }

    /** Why the pool stopped by itself, or null when it was asked to. */
    String haltReason() {
        return haltReason;
    }

    /** A hot spare becomes this slot's worker: it runs the factory, onStart and main() from now on. */
    private void promote(WorkerJvm spare, WorkerSlot slot) {
        spare.role = new Role.Worker(slot.id);
        spare.state = SlotState.STARTING;
        spare.assignedNanos = clock.nanoTime();
        spare.connection.promoteTo(slot.id);
        slot.active = spare;
        send(spare, new Message.Assign(slot.id));
        spares.fill();
    }

    private static final String EXITED_BEFORE_CONNECTING = "exited before it reached the master (a bad JVM option,"
            + " a missing main class, or the program failed before Supervisor.main(): see its stderr)";

    private static String causeOf(int status) {
        return switch (status) {
            case ExitCodes.BOOT_ERROR -> ": boot error, the worker could not be built or reach the master (a"
                    + " configuration error: see the worker's log above)";
            case 128 + 9 -> ": it was sent SIGKILL, perhaps out of memory?";
            case ExitCodes.MAIN_FAILED -> ": main() threw (see the worker's log above)";
            case ExitCodes.MASTER_GONE -> ": its control channel to the master closed under it";
            default -> "";
        };
    }

    private void scheduleRestart(WorkerSlot slot, Duration delay) {
        timer.schedule(delay, new PoolEvent.RestartDue(slot.id, ++slot.restartToken));
    }

    private void onRestartDue(PoolEvent.RestartDue e) {
        WorkerSlot slot = slots.get(e.workerId());
        if (slot == null || slot.restartToken != e.restartToken() || slot.active != null
                || state != PoolState.RUNNING) {
            return;
        }
        fillNow(slot);
    }

    /** The slot's JVM, now: a ready hot spare takes the id, or a JVM is started for it. */
    private void fillNow(WorkerSlot slot) {
        WorkerJvm spare = spares.takeReady();
        if (spare != null) {
            LOG.info("worker {}: {} takes over", slot.id, spare);
            promote(spare, slot);
        } else {
            slot.active = spawn(slot.id);
        }
    }

    // ---- what workers say ----

    private void onConnected(PoolEvent.WorkerConnected e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null) {
            e.connection().close();
            return;
        }
        jvm.connection = e.connection();
        aotCache.connected(jvm, jvm.aotCacheEpoch);
        if (jvm.isSpare()) {
            LOG.debug("{}: warmed, ready to take over", jvm);
        }
        if (jvm.state == SlotState.STOPPING) {
            send(jvm, new Message.Stop());
        }
    }

    private void onSaid(PoolEvent.WorkerSaid e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null) {
            return;
        }
        switch (e.message()) {
            case Message.Started ignored -> {
                jvm.startedNanos = clock.nanoTime();
                if (jvm.state == SlotState.STARTING) {
                    jvm.state = SlotState.RUNNING;
                }
                // A promoted spare counts from its promotion: its spawn was long before it was asked to start.
                long startMillis = (jvm.startedNanos - jvm.assignedNanos) / 1_000_000;
                LOG.info("{} started in {} ms{}", jvm, startMillis,
                        jvm.assignedNanos != jvm.spawnedNanos ? " after a spare took the id" : "");
                observer.workerStarted(jvm.id(), jvm.pid(), startMillis);
                WorkerSlot slot = slots.get(jvm.id());
                announceReadyOnce();
                if (jvm == slot.successor) {
                    reload.successorReady(slot);
                }
            }
            // Only the master's own stop request makes a JVM STOPPING: a worker whose main() ended by
            // itself is restarted when it exits.
            case Message.Stopping ignored -> LOG.debug("{}: main() ended, running its shutdown callbacks", jvm);
            default -> LOG.debug("{}: unexpected {}", jvm, e.message());
        }
    }

    private void announceReadyOnce() {
        if (!readyAnnounced && state == PoolState.RUNNING
                && slots.values().stream().allMatch(s -> s.state() == SlotState.RUNNING)) {
            readyAnnounced = true;
            LOG.info("pool ready: {} running", workers(slots.size()));
            observer.poolReady(slots.size());
            observer.status(workers(slots.size()) + " running");
        }
    }

    private void onDisconnected(PoolEvent.WorkerDisconnected e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null) {
            return;
        }
        if (jvm.connection != null) {
            jvm.bootError = jvm.connection.bootError(); // read to its end: the record is in if it was sent
        }
        jvm.connection = null;
        if (e.protocolError() != null) {
            LOG.error("{} broke the control protocol ({}): killing it", jvm, e.protocolError());
            jvm.stopCause = ExitCause.PROTOCOL_ERROR;
            kill(jvm);
        }
        // A plain EOF means the worker is exiting: its exit event follows. If it lingers, silence kills it.
    }

    private void onMisbehaved(PoolEvent.WorkerMisbehaved e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null || jvm.killPending) {
            return;
        }
        LOG.error("{} {}: killing it", jvm, e.what());
        kill(jvm);
    }

    // ---- kills ----

    private void killSilentWorkers() {
        long now = clock.nanoTime();
        long timeoutNanos = config.workerTimeout().toNanos();
        for (WorkerJvm jvm : List.copyOf(live.values())) {
            if (jvm.killPending || jvm.state == SlotState.STOPPING || jvm.isTraining()) {
                continue; // the training JVM has its own deadline: it is silent while the JDK writes the cache
            }
            long silence = jvm.silenceNanos(now);
            if (silence > timeoutNanos) {
                LOG.warn("{} sent no heartbeat for {} ms (workerTimeout {} ms): frozen, stopped or starved?"
                        + " sending SIGQUIT for a thread dump in its stderr, then SIGKILL", jvm,
                        silence / 1_000_000, config.workerTimeout().toMillis());
                jvm.killPending = true;
                jvm.stopCause = ExitCause.STALE;
                observer.workerKilledAsStale(jvm.id(), jvm.pid());
                jvm.process.signal(Signals.SIGQUIT);
                timer.schedule(DUMP_GRACE, new PoolEvent.KillDue(jvm.id(), jvm.generation, null, false));
            }
        }
    }

    /**
     * Recycling (maxWorkerAge, maxWorkerRss): one worker at a time, through the reload's readiness-gated path,
     * and only while no reload runs.
     */
    private void recycleOldOrLargeWorkers() {
        if (state != PoolState.RUNNING || reload.isRunning()
                || config.maxWorkerAge() == null && config.maxWorkerRssBytes() == 0
                && config.maxWorkerPssBytes() == 0) {
            return;
        }
        long now = clock.nanoTime();
        for (WorkerSlot slot : slots.values()) {
            WorkerJvm jvm = slot.active;
            if (jvm == null || jvm.state != SlotState.RUNNING || slot.successor != null || slot.removal != null) {
                continue;
            }
            String cause = null;
            String kind = "age";
            if (config.maxWorkerAge() != null) {
                long limit = (long) (config.maxWorkerAge().toNanos() * (1 + jvm.ageJitter));
                if (now - jvm.spawnedNanos > limit) {
                    cause = "age " + formatMillis((now - jvm.spawnedNanos) / 1_000_000) + " passed maxWorkerAge "
                            + formatMillis(config.maxWorkerAge().toMillis()) + " (+" + Math.round(jvm.ageJitter * 100)
                            + "% jitter)";
                }
            }
            if (cause == null && config.maxWorkerRssBytes() > 0) {
                long rss = jvm.process.rssBytes();
                if (rss > config.maxWorkerRssBytes()) {
                    kind = "rss";
                    cause = "RSS " + rss / (1024 * 1024) + " MB passed maxWorkerRss "
                            + config.maxWorkerRssBytes() / (1024 * 1024) + " MB";
                }
            }
            if (cause == null && config.maxWorkerPssBytes() > 0) { // issue 16 hook: the PSS decision
                cause = PssRecycling.reason(
                        telemetry.latest(jvm.pid()), config.maxWorkerPssBytes());
                kind = cause == null ? kind : "pss";
            }
            if (cause != null) {
                slot.recycles++;
                LOG.info("{}: recycling it (recycle #{} of this id): {}", jvm, slot.recycles, cause);
                observer.workerRecycling(slot.id, kind);
                reload.start(ExitCause.RECYCLE, "recycle of worker " + slot.id + ": " + cause, List.of(slot.id));
                return;
            }
        }
    }

    private void onKillDue(PoolEvent.KillDue e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null || e.onlyIfNotReady() && jvm.state != SlotState.STARTING) {
            return;
        }
        if (e.reason() != null) {
            LOG.warn("{} {}: SIGKILL", jvm, e.reason());
        }
        if (jvm.stopCause == null) {
            jvm.stopCause = ExitCause.STALE; // a successor that did not report ready in time
        }
        kill(jvm);
    }

    private void kill(WorkerJvm jvm) {
        jvm.killPending = true;
        // The training JVM's descendant, forked by the JDK to assemble the cache, would outlive it, still writing.
        jvm.process.kill(jvm.isTraining());
    }

    // ---- stopping ----

    void requestPoolStop(boolean interrupt, String cause, Duration timeout) {
        switch (state) {
            case STARTING, RUNNING -> {
                state = PoolState.STOPPING;
                stopTimeout = timeout;
                observer.poolStopping(cause);
                reload.abort("the pool is stopping");
                LOG.info("pool stopping ({}): {} workers, stopTimeout {} ms", cause,
                        interrupt ? "interrupting" : "stopping", timeout.toMillis());
                slots.values().forEach(slot -> slot.restartToken++);
                eachJvm(jvm -> requestStop(jvm, interrupt));
                timer.schedule(timeout, new PoolEvent.StopDeadline());
            }
            case STOPPING -> {
                if (!stopEscalated) {
                    stopEscalated = true;
                    LOG.warn("pool stopping: {} again, killing the remaining workers now", cause);
                    eachJvm(this::kill);
                }
            }
            default -> { }
        }
    }

    private void onStopDeadline() {
        eachJvm(jvm -> {
            if (!jvm.killPending) {
                LOG.warn("{} still running {} ms after it was asked to stop: SIGKILL", jvm, stopTimeout.toMillis());
                kill(jvm);
            }
        });
    }

    private void eachJvm(Consumer<WorkerJvm> action) {
        List.copyOf(live.values()).forEach(action);
    }

    /** Asks one JVM to stop gracefully; it is SIGKILLed if it is still there after stopTimeout. */
    void stopGracefully(WorkerJvm jvm, ExitCause cause, String why) {
        LOG.info("{}: {}, stopping it gracefully", jvm, why);
        if (jvm.stopCause == null) {
            jvm.stopCause = cause;
        }
        requestStop(jvm, false);
        timer.schedule(stopTimeout, new PoolEvent.KillDue(jvm.id(), jvm.generation,
                "still running " + stopTimeout.toMillis() + " ms after it was asked to stop", false));
    }

    private void requestStop(WorkerJvm jvm, boolean interrupt) {
        jvm.state = SlotState.STOPPING;
        if (jvm.stopCause == null) {
            jvm.stopCause = ExitCause.STOP;
        }
        if (jvm.isTraining()) {
            // A stop must not wait for the JDK to write the cache (seconds of CPU): the next start trains again.
            kill(jvm);
            return;
        }
        if (jvm.connection != null) {
            send(jvm, interrupt ? new Message.Interrupt() : new Message.Stop());
        } else {
            // Not connected yet, so its handlers may not be in place: SIGTERM (or SIGINT) does the same.
            jvm.process.signal(interrupt ? Signals.SIGINT : Signals.SIGTERM);
        }
    }

    private void send(WorkerJvm jvm, Message message) {
        try {
            jvm.connection.send(message);
        } catch (java.nio.channels.ClosedChannelException ex) {
            // The worker closed its channel: it is exiting already, and its exit event follows.
            LOG.debug("{}: channel closed before {} could be sent", jvm, message);
        } catch (IOException ex) {
            // The signal that means the same: an interrupt stays an interrupt.
            boolean interrupt = message instanceof Message.Interrupt;
            if (jvm.state == SlotState.STOPPING) {
                // Asked to stop and exiting already (Ctrl-C reaches the whole process group): no news.
                LOG.debug("{}: could not send {} ({}); it is exiting", jvm, message, ex.toString());
            } else {
                LOG.warn("{}: could not send {} ({}); sending SIG{} instead", jvm, message, ex.toString(),
                        interrupt ? "INT" : "TERM");
            }
            jvm.process.signal(interrupt ? Signals.SIGINT : Signals.SIGTERM);
        }
    }

    // ---- operations ----

    void addWorker(int id) {
        if (state != PoolState.RUNNING && state != PoolState.STARTING) {
            throw new IllegalStateException("cannot add worker " + id + ": the pool is " + state);
        }
        if (slots.containsKey(id)) {
            throw new IllegalArgumentException("worker " + id + " is already in the pool " + slots.keySet());
        }
        WorkerSlot slot = new WorkerSlot(id);
        slots.put(id, slot);
        publishIds();
        LOG.info("worker {} added to the pool", id);
        slot.active = spawn(id);
    }

    CompletableFuture<Integer> removeWorker(int id) {
        WorkerSlot slot = slots.get(id);
        if (slot == null) {
            throw new IllegalArgumentException("worker " + id + " is not in the pool " + slots.keySet());
        }
        if (slot.removal != null) {
            return slot.removal;
        }
        slot.removal = new CompletableFuture<>();
        slot.restartToken++;
        if (slot.successor != null) {
            WorkerJvm successor = slot.successor;
            slot.successor = null;
            reload.successorFailed(slot, "worker " + id + " is being removed");
            successor.stopCause = ExitCause.REMOVE;
            kill(successor);
        }
        if (slot.active == null) {
            forget(slot, slot.lastExitStatus == null ? 0 : slot.lastExitStatus);
        } else {
            stopGracefully(slot.active, ExitCause.REMOVE, "removing it from the pool");
        }
        return slot.removal;
    }

    /**
     * Grows or shrinks the pool to {@code count} workers: new ids are the lowest free ones, removed the highest.
     * The future completes once every removed worker has exited and every added one has reported started, or
     * with the reason that can no longer happen (see {@link ScaleWait}).
     */
    CompletableFuture<Outcome> scaleTo(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a pool needs at least 1 worker, got " + count);
        }
        if (state != PoolState.RUNNING && state != PoolState.STARTING) {
            throw new IllegalStateException("cannot scale to " + count + ": the pool is " + state);
        }
        List<CompletableFuture<Integer>> removals = new ArrayList<>();
        List<Integer> added = new ArrayList<>();
        List<Integer> kept = slots.values().stream().filter(s -> s.removal == null).map(s -> s.id).sorted().toList();
        LOG.info("scaling from {} to {}", kept.size(), workers(count));
        for (int i = kept.size() - 1; i >= count; i--) {
            removals.add(removeWorker(kept.get(i)));
        }
        for (int id = 0, n = kept.size(); n < count; id++) {
            if (!slots.containsKey(id)) {
                addWorker(id);
                added.add(id);
                n++;
            }
        }
        ScaleWait wait = new ScaleWait(count, added, removals, new CompletableFuture<>());
        scaleWaits.add(wait);
        settleScaleWaits();
        return wait.future();
    }

    /** A scale call waiting for its outcome: checked at the end of every event. */
    private record ScaleWait(int count, List<Integer> added, List<CompletableFuture<Integer>> removals,
                             CompletableFuture<Outcome> future) {
    }

    private void settleScaleWaits() {
        for (java.util.Iterator<ScaleWait> it = scaleWaits.iterator(); it.hasNext(); ) {
            ScaleWait wait = it.next();
            Outcome outcome = scaleOutcome(wait);
            if (outcome != null) {
                it.remove();
                wait.future().complete(outcome);
            }
        }
    }

    /** Null while the scale is still under way. */
    private Outcome scaleOutcome(ScaleWait wait) {
        if (state != PoolState.RUNNING && state != PoolState.STARTING) {
            return Outcome.aborted("aborted (scale to " + wait.count() + "): the pool is stopping");
        }
        boolean done = wait.removals().stream().allMatch(CompletableFuture::isDone);
        for (int id : wait.added()) {
            WorkerSlot slot = slots.get(id);
            if (slot == null || slot.removal != null) {
                return Outcome.aborted("aborted (scale to " + wait.count() + "): worker " + id + " was removed meanwhile");
            }
            if (slot.failed) {
                return Outcome.aborted("aborted (scale to " + wait.count() + "): worker " + id + " failed to boot "
                        + slot.bootErrorsInARow + " times in a row and was given up on"
                        + (slot.bootError == null ? "" : "; " + slot.bootError));
            }
            done &= slot.state() == SlotState.RUNNING;
        }
        return done ? Outcome.done("scaled to " + workers(wait.count())) : null;
    }

    /** The loop ended: every future still open completes, so that no caller waits forever. */
    void abandonPending(String why) {
        reload.abort(why);
        scaleWaits.forEach(wait -> wait.future().complete(Outcome.aborted("aborted (scale to " + wait.count() + "): " + why)));
        scaleWaits.clear();
        slots.values().stream().filter(slot -> slot.removal != null)
                .forEach(slot -> slot.removal.complete(slot.lastExitStatus == null ? -1 : slot.lastExitStatus));
    }

    /** Completes when the reload has replaced every worker, or with the reason it was aborted. */
    CompletableFuture<Outcome> reload(String cause) {
        if (state != PoolState.RUNNING) {
            throw new IllegalStateException("cannot reload: the pool is " + state);
        }
        return reload.start(ExitCause.RELOAD, cause, List.copyOf(slots.keySet()));
    }

    CompletableFuture<Outcome> restartWorker(int id) {
        if (!slots.containsKey(id)) {
            throw new IllegalArgumentException("worker " + id + " is not in the pool " + slots.keySet());
        }
        String cause = "restart of worker " + id;
        if (state != PoolState.RUNNING) {
            throw new IllegalStateException("cannot " + cause + ": the pool is " + state);
        }
        return reload.start(ExitCause.RESTART, cause, List.of(id));
    }

    /** Starts a successor JVM for the slot; false when it could not be started. */
    boolean startSuccessor(WorkerSlot slot) {
        if (slot.active == null || slot.removal != null || state != PoolState.RUNNING) {
            return false;
        }
        WorkerJvm successor = spawn(slot.id);
        slot.successor = successor;
        if (successor != null) {
            // Heartbeats come from a library thread, so a successor stuck in onStart looks alive: give it
            // workerTimeout to report ready, or the reload would wait forever.
            timer.schedule(config.workerTimeout(), new PoolEvent.KillDue(slot.id, successor.generation,
                    "did not report ready within workerTimeout (" + config.workerTimeout().toMillis() + " ms)",
                    true));
        }
        return successor != null;
    }

    WorkerSlot slot(int id) {
        return slots.get(id);
    }

    String reloadStatus() {
        return reload.status();
    }

    private void onOperationSignal(String name) {
        try {
            switch (name) {
                case "HUP" -> reload("SIGHUP");
                case "TTIN" -> scaleTo(activeCount() + 1);
                case "TTOU" -> {
                    if (activeCount() > 1) {
                        scaleTo(activeCount() - 1);
                    } else {
                        LOG.warn("SIGTTOU: the pool already has only 1 worker; not going below");
                    }
                }
                case "USR1" -> reopenOutput("SIGUSR1");
                default -> LOG.warn("SIG{} is not handled", name);
            }
        } catch (IllegalStateException e) {
            LOG.warn("SIG{}: {}", name, e.getMessage());
        }
    }

    /**
     * Log rotation: a daemon master reopens its own log, and every worker reopens the files it writes to by path
     * (new workers open them anyway): its configured stdout/stderr, else, in a daemon, the master's log it
     * inherited, so that a daemon's workers do not keep writing to the rotated file.
     *
     * @return whether the master reopened its own output, and how many workers were asked (-1 when the workers
     *     write to a foreground master's stdout/stderr, which is not this pool's to reopen)
     */
    Pool.OutputReopen reopenOutput(String cause) {
        boolean master = MasterLog.reopen(cause); // a daemon master's own log first (a no-op in the foreground)
        java.nio.file.Path stdout = MasterLog.workersFile(config, 1);
        java.nio.file.Path stderr = MasterLog.workersFile(config, 2);
        if (stdout == null && stderr == null) {
            if (!master) {
                LOG.info("{}: the workers write to the master's own stdout/stderr; nothing to reopen", cause);
            }
            return new Pool.OutputReopen(master, -1);
        }
        Message reopen = new Message.ReopenOutput(pathOrNull(stdout), pathOrNull(stderr));
        int[] count = {0};
        eachJvm(jvm -> {
            if (jvm.connection != null) {
                send(jvm, reopen);
                count[0]++;
            }
        });
        LOG.info("{}: {} worker(s) reopen {}", cause, count[0], describeOutputs(stdout, stderr));
        return new Pool.OutputReopen(master, count[0]);
    }

    private static String describeOutputs(java.nio.file.Path stdout, java.nio.file.Path stderr) {
        return (stdout == null ? "" : "stdout " + stdout)
                + (stdout != null && stderr != null ? " and " : "")
                + (stderr == null ? "" : "stderr " + stderr);
    }

    private static String pathOrNull(java.nio.file.Path path) {
        return path == null ? null : path.toString();
    }

    private int activeCount() {
        return (int) slots.values().stream().filter(s -> s.removal == null).count();
    }

    List<WorkerStatus> status() {
        long now = clock.nanoTime();
        List<WorkerStatus> result = new ArrayList<>();
        for (WorkerSlot slot : slots.values()) {
            WorkerJvm jvm = slot.active;
            result.add(new WorkerStatus(slot.id, jvm == null ? -1 : jvm.pid(), slot.state().name(),
                    jvm == null ? Duration.ZERO : Duration.ofNanos(now - jvm.spawnedNanos), slot.restarts,
                    slot.lastExit, jvm == null ? Duration.ZERO : Duration.ofNanos(jvm.silenceNanos(now)),
                    jvm == null ? -1 : jvm.process.rssBytes()));
        }
        for (WorkerJvm spare : spares.all()) {
            result.add(new WorkerStatus(spare.id(), spare.pid(), "SPARE", Duration.ofNanos(now - spare.spawnedNanos), 0,
                    "", Duration.ofNanos(spare.silenceNanos(now)), spare.process.rssBytes()));
        }
        return telemetry.withSamples(result); // issue 16 hook: heap, GC, PSS per worker
    }

    /** For the health endpoints and metrics: see {@link PoolSnapshots}. */
    PoolSnapshot snapshot() {
        return PoolSnapshots.take(state, slots.values(), spares.all().size(), config.readyShare());
    }

    private void forget(WorkerSlot slot, int status) {
        slots.remove(slot.id);
        publishIds();
        slot.removal.complete(status);
    }

    private void publishIds() {
        publishedIds = Set.copyOf(new LinkedHashSet<>(slots.keySet()));
    }

    /** "1 worker", "2 workers". */
    static String workers(int count) {
        return count == 1 ? "1 worker" : count + " workers";
    }

    static String formatMillis(long millis) {
        return millis < 10_000 ? millis + " ms" : String.format("%.1f s", millis / 1000.0);
    }

    @Override
    public String toString() {
        return "pool [" + state + "] " + slots.values();
    }
}
