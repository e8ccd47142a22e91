package io.workerpool.internal.master;

import io.workerpool.Callback;
import io.workerpool.PoolStartException;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master: one loop, on the thread that called {@code Supervisor.main()}, fed by one queue of
 * {@link PoolEvent}s. Only the loop touches pool state, so "worker exited" and "stop requested" can't race.
 * That thread also starts every worker JVM and lives until the last one has exited, which the kernel's
 * parent-death signal needs.
 */
public final class Pool {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final List<String> HANDLED_SIGNALS = List.of("TERM", "INT");
    /** How long the master, once its workers have exited, keeps replaying the log records still on their way. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final PoolConfig config;
    private final List<Callback> startCallbacks = new CopyOnWriteArrayList<>();
    private final List<Callback> shutdownCallbacks = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<PoolEvent> events = new LinkedBlockingQueue<>();
    private final Map<Integer, WorkerSlot> slots = new LinkedHashMap<>();
    /** Ids for a pool not started yet; the loop owns them after that. */
    private final Set<Integer> initialIds;

    private volatile PoolState state = PoolState.NEW;
    private volatile Set<Integer> publishedIds;
    private volatile Thread loopThread;
    private long generations;
    private ScheduledExecutorService timer;
    private ControlServer controlServer;
    private WorkerSpawner spawner;
    private boolean stopEscalated;

    public Pool(PoolConfig config) {
        this.config = config;
        this.initialIds = new LinkedHashSet<>(config.workerIds());
        this.publishedIds = Set.copyOf(initialIds);
    }

    public void onStart(Callback cb) {
        startCallbacks.add(cb);
    }

    public void onShutdown(Callback cb) {
        shutdownCallbacks.add(cb);
    }

    public PoolState state() {
        return state;
    }

    // ---- API calls from any thread ----

    public void addWorker(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("worker ids must be >= 0, got " + id);
        }
        synchronized (initialIds) {
            if (state == PoolState.NEW) {
                if (!initialIds.add(id)) {
                    throw new IllegalArgumentException("worker " + id + " is already in the pool " + initialIds);
                }
                publishedIds = Set.copyOf(initialIds);
                return;
            }
        }
        callOnLoop(() -> {
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
            spawn(slot);
            return null;
        });
    }

    public CompletableFuture<Integer> removeWorker(int id) {
        synchronized (initialIds) {
            if (state == PoolState.NEW) {
                if (!initialIds.remove(id)) {
                    throw new IllegalArgumentException("worker " + id + " is not in the pool " + initialIds);
                }
                publishedIds = Set.copyOf(initialIds);
                return CompletableFuture.completedFuture(0);
            }
        }
        return callOnLoop(() -> {
            WorkerSlot slot = slots.get(id);
            if (slot == null) {
                throw new IllegalArgumentException("worker " + id + " is not in the pool " + slots.keySet());
            }
            if (slot.removal != null) {
                return slot.removal;
            }
            slot.removal = new CompletableFuture<>();
            if (!slot.hasProcess()) {
                forget(slot, slot.lastExitStatus == null ? 0 : slot.lastExitStatus);
            } else {
                LOG.info("{}: removing from the pool, stopping it gracefully", slot);
                requestStop(slot, false);
                schedule(config.stopTimeout(), new PoolEvent.KillDue(slot.id, slot.generation,
                        "still running " + config.stopTimeout().toMillis() + " ms after it was asked to stop"));
            }
            return slot.removal;
        });
    }

    public Set<Integer> workerIds() {
        return publishedIds;
    }

    public void terminate() {
        events.add(new PoolEvent.StopRequested(false, "terminate() called"));
    }

    public void interrupt() {
        events.add(new PoolEvent.StopRequested(true, "interrupt() called"));
    }

    private <T> T callOnLoop(java.util.function.Supplier<T> action) {
        if (Thread.currentThread() == loopThread) {
            return action.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        events.add(new PoolEvent.Call(() -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }));
        try {
            return result.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    // ---- the loop ----

    /** Runs the pool on the calling thread until it has stopped. */
    public void run() {
        if (config.daemonize() && !Daemon.isDaemonProcess()) {
            Daemon.launchAndExit(config);
            return;
        }
        if (Daemon.isDaemonProcess()) {
            Daemon.detach();
        }
        synchronized (initialIds) {
            if (state != PoolState.NEW) {
                throw new IllegalStateException("Supervisor.main() runs once; this pool is " + state);
            }
            state = PoolState.STARTING;
            initialIds.forEach(id -> slots.put(id, new WorkerSlot(id)));
            publishIds();
        }
        loopThread = Thread.currentThread();
        MasterStartup startup = new MasterStartup(config);
        try {
            startup.start(events::add);
            controlServer = startup.controlServer();
            spawner = new WorkerSpawner(config, controlServer.socketPath(), startup.handoffSocket());
            timer = startTimer();
            runCallbacks("master onStart", startCallbacks, true);
        } catch (RuntimeException | Error e) {
            state = PoolState.STOPPED;
            shutdownTimer();
            startup.close(e);
            Daemon.reportFailure(e.getMessage());
            throw e;
        }
        try (MasterSignals signals = MasterSignals.install(HANDLED_SIGNALS, this::onSignal)) {
            LOG.info("pool starting {} workers {} (pid {})", slots.size(), slots.keySet(),
                    ProcessHandle.current().pid());
            if (state == PoolState.STARTING) {
                slots.values().forEach(this::spawn);
                if (state == PoolState.STARTING) {
                    state = PoolState.RUNNING;
                }
            }
            Daemon.reportReady();
            loop();
        } finally {
            shutdownTimer();
            if (slots.values().stream().noneMatch(WorkerSlot::hasProcess)) {
                // Every worker has exited, but its last log records may still be in its channel.
                controlServer.awaitReaders(DRAIN_TIMEOUT);
            }
            runCallbacks("master onShutdown", shutdownCallbacks, false);
            startup.close(null);
            LOG.info("pool stopped");
        }
    }

    private void loop() {
        while (state != PoolState.STOPPED) {
            PoolEvent event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                // The user's thread was interrupted: treat it as SIGINT, and keep going until stopped.
                event = new PoolEvent.StopRequested(true, "master thread interrupted");
            }
            try {
                handle(event);
            } catch (RuntimeException e) {
                LOG.error("pool [{}]: failed to handle {}: {}", state, event, e.toString(), e);
            }
        }
    }

    private void handle(PoolEvent event) {
        switch (event) {
            case PoolEvent.WorkerExited e -> onExited(e);
            case PoolEvent.WorkerConnected e -> onConnected(e);
            case PoolEvent.WorkerSaid e -> onSaid(e);
            case PoolEvent.WorkerDisconnected e -> onDisconnected(e);
            case PoolEvent.RestartDue e -> onRestartDue(e);
            case PoolEvent.KillDue e -> onKillDue(e);
            case PoolEvent.Tick ignored -> killStaleWorkers();
            case PoolEvent.StopRequested e -> onStopRequested(e);
            case PoolEvent.StopDeadline ignored -> onStopDeadline();
            case PoolEvent.Call call -> call.action().run();
        }
        if (state == PoolState.STOPPING && slots.values().stream().noneMatch(WorkerSlot::hasProcess)) {
            state = PoolState.STOPPED;
        }
    }

    private WorkerSlot current(int id, long generation) {
        WorkerSlot slot = slots.get(id);
        return slot != null && slot.generation == generation && slot.hasProcess() ? slot : null;
    }

    private void spawn(WorkerSlot slot) {
        slot.generation = ++generations;
        String secret = spawner.newSecret();
        controlServer.admit(slot.id, slot.generation, secret);
        try {
            Process process = spawner.spawn(slot.id, secret);
            slot.process = process;
            slot.state = SlotState.STARTING;
            slot.spawnedNanos = System.nanoTime();
            slot.startedNanos = 0;
            slot.connection = null;
            slot.killPending = false;
            long generation = slot.generation;
            process.onExit().thenAccept(p -> events.add(new PoolEvent.WorkerExited(slot.id, generation,
                    p.exitValue())));
            LOG.debug("{}: spawned", slot);
        } catch (IOException e) {
            controlServer.revoke(slot.id, slot.generation);
            slot.state = SlotState.BACKOFF;
            slot.quickExitsInARow++;
            Duration delay = RestartPolicy.delay(slot.quickExitsInARow, ExitCodes.BOOT_ERROR);
            LOG.error("worker {}: cannot start a JVM ({}); command: {}; retrying in {} ms", slot.id, e.getMessage(),
                    spawner.command(), delay.toMillis());
            schedule(delay, new PoolEvent.RestartDue(slot.id, slot.generation));
        }
    }

    private void onExited(PoolEvent.WorkerExited e) {
        WorkerSlot slot = current(e.workerId(), e.generation());
        if (slot == null) {
            return;
        }
        controlServer.revoke(slot.id, slot.generation);
        long uptimeNanos = System.nanoTime() - slot.spawnedNanos;
        String uptime = formatMillis(uptimeNanos / 1_000_000);
        String how = ExitCodes.describe(e.status());
        boolean expected = slot.state == SlotState.STOPPING;
        String described = slot.toString();
        slot.process = null;
        // Not closed here: the worker's last log records may still be in the channel, and closing would
        // discard them. Its reader replays them, meets the end of the stream the exit left, and closes it.
        slot.connection = null;
        slot.lastExitStatus = e.status();
        if (slot.removal != null) {
            LOG.info("{} exited ({}) after {}; removed from the pool", described, how, uptime);
            forget(slot, e.status());
            return;
        }
        if (expected || state != PoolState.RUNNING) {
            LOG.info("{} stopped ({}) after {}", described, how, uptime);
            slot.state = SlotState.BACKOFF;
            return;
        }
        boolean quick = uptimeNanos < RestartPolicy.STABLE_UPTIME.toNanos();
        slot.quickExitsInARow = quick ? slot.quickExitsInARow + 1 : 0;
        slot.state = SlotState.BACKOFF;
        slot.restarts++;
        Duration delay = RestartPolicy.delay(slot.quickExitsInARow, e.status());
        String cause = causeOf(e.status());
        if (delay.isZero()) {
            LOG.warn("{} exited ({}) after {}{}; restarting", described, how, uptime, cause);
            spawn(slot);
        } else {
            LOG.warn("{} exited ({}) after {}{}; it died within {} ms of its start {} time(s) in a row, restarting in"
                    + " {} ms", described, how, uptime, cause, RestartPolicy.STABLE_UPTIME.toMillis(),
                    slot.quickExitsInARow, delay.toMillis());
            schedule(delay, new PoolEvent.RestartDue(slot.id, slot.generation));
        }
    }

    private static String causeOf(int status) {
        return switch (status) {
            case ExitCodes.BOOT_ERROR -> ": boot error, the worker could not be built or reach the master (a"
                    + " configuration error: see the worker's log above)";
            case 128 + 9 -> ": it was sent SIGKILL, perhaps out of memory?";
            case ExitCodes.MAIN_FAILED -> ": main() threw (see the worker's log above)";
            default -> "";
        };
    }

    private void onRestartDue(PoolEvent.RestartDue e) {
        WorkerSlot slot = slots.get(e.workerId());
        if (slot == null || slot.generation != e.generation() || slot.hasProcess() || state != PoolState.RUNNING) {
            return;
        }
        spawn(slot);
    }

    private void onConnected(PoolEvent.WorkerConnected e) {
        WorkerSlot slot = current(e.workerId(), e.generation());
        if (slot == null) {
            e.connection().close();
            return;
        }
        slot.connection = e.connection();
        if (slot.state == SlotState.STOPPING || state == PoolState.STOPPING) {
            send(slot, new Message.Stop());
        }
    }

    private void onSaid(PoolEvent.WorkerSaid e) {
        WorkerSlot slot = current(e.workerId(), e.generation());
        if (slot == null) {
            return;
        }
        switch (e.message()) {
            case Message.Started ignored -> {
                slot.startedNanos = System.nanoTime();
                if (slot.state == SlotState.STARTING) {
                    slot.state = SlotState.RUNNING;
                }
                LOG.info("{} started in {} ms", slot, (slot.startedNanos - slot.spawnedNanos) / 1_000_000);
            }
            // Only the master's own stop request makes a slot STOPPING: a worker whose main() ended by
            // itself is restarted when it exits.
            case Message.Stopping ignored -> LOG.debug("{}: main() ended, running its shutdown callbacks", slot);
            default -> LOG.debug("{}: unexpected {}", slot, e.message());
        }
    }

    private void onDisconnected(PoolEvent.WorkerDisconnected e) {
        WorkerSlot slot = current(e.workerId(), e.generation());
        if (slot == null) {
            return;
        }
        slot.connection = null;
        if (e.protocolError() != null) {
            LOG.error("{} broke the control protocol ({}): killing it", slot, e.protocolError());
            kill(slot);
        }
        // A plain EOF means the worker is exiting: its exit event follows. If it lingers, silence kills it.
    }

    private void killStaleWorkers() {
        long now = System.nanoTime();
        long timeoutNanos = config.workerTimeout().toNanos();
        for (WorkerSlot slot : slots.values()) {
            if (!slot.hasProcess() || slot.killPending || slot.state == SlotState.STOPPING) {
                continue;
            }
            long silence = slot.silenceNanos(now);
            if (silence > timeoutNanos) {
                LOG.warn("{} sent no heartbeat for {} ms (workerTimeout {} ms): frozen, stopped or starved? sending"
                        + " SIGQUIT for a thread dump in its stderr, then SIGKILL", slot, silence / 1_000_000,
                        config.workerTimeout().toMillis());
                slot.killPending = true;
                Signals.send(slot.pid(), Signals.SIGQUIT);
                schedule(Duration.ofMillis(500), new PoolEvent.KillDue(slot.id, slot.generation, "stale"));
            }
        }
    }

    private void onKillDue(PoolEvent.KillDue e) {
        WorkerSlot slot = current(e.workerId(), e.generation());
        if (slot == null) {
            return;
        }
        if (!"stale".equals(e.reason())) {
            LOG.warn("{} {}: SIGKILL", slot, e.reason());
        }
        kill(slot);
    }

    private void kill(WorkerSlot slot) {
        slot.killPending = true;
        slot.process.destroyForcibly();
    }

    private void onSignal(String name) {
        events.add(new PoolEvent.StopRequested("INT".equals(name), "SIG" + name));
    }

    private void onStopRequested(PoolEvent.StopRequested e) {
        switch (state) {
            case STARTING, RUNNING -> {
                state = PoolState.STOPPING;
                LOG.info("pool stopping ({}): {} workers, stopTimeout {} ms", e.cause(),
                        e.interrupt() ? "interrupting" : "stopping", config.stopTimeout().toMillis());
                for (WorkerSlot slot : slots.values()) {
                    if (slot.hasProcess()) {
                        requestStop(slot, e.interrupt());
                    }
                }
                schedule(config.stopTimeout(), new PoolEvent.StopDeadline());
            }
            case STOPPING -> {
                if (!stopEscalated) {
                    stopEscalated = true;
                    LOG.warn("pool stopping: {} again, killing the remaining workers now", e.cause());
                    slots.values().stream().filter(WorkerSlot::hasProcess).forEach(this::kill);
                }
            }
            default -> { }
        }
    }

    private void onStopDeadline() {
        for (WorkerSlot slot : slots.values()) {
            if (slot.hasProcess() && !slot.killPending) {
                LOG.warn("{} still running {} ms after it was asked to stop: SIGKILL", slot,
                        config.stopTimeout().toMillis());
                kill(slot);
            }
        }
    }

    private void requestStop(WorkerSlot slot, boolean interrupt) {
        slot.state = SlotState.STOPPING;
        if (slot.connection != null) {
            send(slot, interrupt ? new Message.Interrupt() : new Message.Stop());
        } else {
            // Not connected yet, so its handlers may not be in place: SIGTERM (or SIGINT) does the same.
            Signals.send(slot.pid(), interrupt ? Signals.SIGINT : Signals.SIGTERM);
        }
    }

    private void send(WorkerSlot slot, Message message) {
        try {
            slot.connection.send(message);
        } catch (java.nio.channels.ClosedChannelException ex) {
            // The worker closed its channel: it is exiting already, and its exit event follows.
            LOG.debug("{}: channel closed before {} could be sent", slot, message);
        } catch (IOException ex) {
            LOG.warn("{}: could not send {} ({}); sending SIGTERM instead", slot, message, ex.toString());
            Signals.send(slot.pid(), Signals.SIGTERM);
        }
    }

    private void forget(WorkerSlot slot, int status) {
        slots.remove(slot.id);
        publishIds();
        slot.removal.complete(status);
    }

    private void publishIds() {
        publishedIds = Set.copyOf(new LinkedHashSet<>(slots.keySet()));
    }

    // ---- timers and callbacks ----

    private ScheduledExecutorService startTimer() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("workerpool-timer").factory());
        executor.setRemoveOnCancelPolicy(true);
        long period = config.checkInterval().toNanos();
        executor.scheduleAtFixedRate(() -> events.add(new PoolEvent.Tick()), period, period, TimeUnit.NANOSECONDS);
        return executor;
    }

    private void schedule(Duration delay, PoolEvent event) {
        timer.schedule(() -> events.add(event), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void shutdownTimer() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void runCallbacks(String what, List<Callback> callbacks, boolean failFast) {
        for (Callback callback : callbacks) {
            try {
                callback.run();
            } catch (Exception | Error e) {
                if (failFast) {
                    throw new PoolStartException(what + " callback failed: " + e, e);
                }
                LOG.error("{} callback failed: {}", what, e.toString(), e);
            }
        }
    }

    private static String formatMillis(long millis) {
        return millis < 10_000 ? millis + " ms" : String.format("%.1f s", millis / 1000.0);
    }

    @Override
    public String toString() {
        return "Supervisor[" + state + ", workers " + publishedIds + "]";
    }
}
