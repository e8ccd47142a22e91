package io.workerpool.internal.core;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.wire.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The master's decisions: a state machine that performs no I/O and reads no clock. {@link #handle} takes one
 * {@link PoolEvent} with the current monotonic time and returns the {@link Command}s it decided, which the loop
 * ({@code Pool}, through {@code CommandRunner}) or the simulation executes; a command's result comes back as a
 * later event. Every event ends with {@link #reconcile()}, the one place that spawns. The decisions are split by
 * what they decide: {@link Exits} (exits and backoff), {@link Stops} (stopping JVMs and the pool), {@link WorkerNews}
 * (what workers say), {@link Operations} (reload, restart, signals, log rotation),
 * {@link Scaling} (add, remove, scale), {@link Health} (silence and recycling), {@link RollingReload} and
 * {@link HotSpares}; each worker id's phase is a {@link WorkerSlot.Phase}.
 */
public final class PoolCore {
    /** Generous: on two busy cores a training run takes 10-20 s, most of it the JDK assembling the cache. */
    static final Duration AOT_TRAINING_TIMEOUT = Duration.ofMinutes(5);

    public final PoolConfig config;
    final Command.Outbox out = new Command.Outbox();
    final Map<Integer, WorkerSlot> slots = new LinkedHashMap<>();
    /** Every JVM started and not seen to exit (active, successor, spare, training), by generation. */
    final Map<Long, WorkerJvm> live = new HashMap<>();
    final HotSpares spares;
    final RollingReload reload;
    final Exits exits;
    final Stops stops;
    final Scaling scaling;
    final Health health;
    final WorkerNews news;
    final Operations operations;
    private final SplittableRandom random;
    PoolState state = PoolState.STARTING;
    /** The time of the event being handled. */
    long now;
    private long generations;
    /** The last check said the AOT cache wants a training run. */
    private boolean aotTrainingDue;
    private volatile Set<Integer> publishedIds = Set.of();

    /**
     * @param workersStdout the workers' stdout file to reopen on log rotation, or null (see {@code MasterLog})
     * @param seed          for the recycling jitter, so that a simulation replays exactly
     */
    public PoolCore(PoolConfig config, Path workersStdout, Path workersStderr, long seed) {
        this.config = config;
        this.random = new SplittableRandom(seed);
        this.spares = new HotSpares(config.spares());
        this.reload = new RollingReload(this, config.reloadBatch());
        this.exits = new Exits(this);
        this.stops = new Stops(this);
        this.scaling = new Scaling(this);
        this.health = new Health(this);
        this.news = new WorkerNews(this);
        this.operations = new Operations(this, workersStdout, workersStderr);
    }

    /** Starts every initial worker at once; they boot in parallel. */
    public List<Command> start(Iterable<Integer> ids, long now, boolean aotTrainingDue) {
        this.now = now;
        for (int id : ids) {
            slots.put(id, new WorkerSlot(id));
        }
        publishIds();
        if (state == PoolState.STARTING) {
            state = PoolState.RUNNING;
        }
        this.aotTrainingDue = aotTrainingDue;
        spares.due();
        reconcile();
        return out.drain();
    }

    /** One event: its decisions, then {@link #reconcile()}; returns every command decided, in order. */
    public List<Command> handle(PoolEvent event, long now) {
        this.now = now;
        switch (event) {
            case PoolEvent.JvmSpawned e -> onSpawned(e);
            case PoolEvent.SpawnFailed e -> exits.onSpawnFailed(e);
            case PoolEvent.WorkerExited e -> exits.onExited(e);
            case PoolEvent.WorkerConnected e -> news.onConnected(e);
            case PoolEvent.WorkerSaid e -> news.onSaid(e);
            case PoolEvent.WorkerDisconnected e -> news.onDisconnected(e);
            case PoolEvent.WorkerMisbehaved e -> stops.onMisbehaved(e);
            case PoolEvent.RestartDue e -> exits.onRestartDue(e);
            case PoolEvent.KillDue e -> stops.onKillDue(e);
            case PoolEvent.Tick e -> {
                health.killSilentWorkers(e.readings());
                health.recycleOldOrLargeWorkers(e.readings());
                aotTrainingDue = e.aotTrainingDue();
                spares.due();
                out.notify(PoolObserver::tick); // after the check: the systemd watchdog ping says the loop is alive
            }
            case PoolEvent.StopRequested e -> stops.requestPoolStop(e.interrupt(), e.cause(), stops.stopTimeout());
            case PoolEvent.StopDeadline ignored -> stops.onStopDeadline();
            case PoolEvent.OperationSignal e -> operations.onOperationSignal(e.name());
            case PoolEvent.Call call -> call.action().run();
        }
        reconcile();
        return out.drain();
    }

    /** The commands decided outside {@link #handle} (an API call run directly on the loop thread), in order. */
    public List<Command> drain() {
        reconcile();
        return out.drain();
    }

    /**
     * Brings the pool to what it should be: every empty worker id served (by a ready spare, else a new JVM), every
     * wanted successor of a replacement started, the spares refilled (on the periodic check and after a promotion)
     * and the AOT training run started when due. The only place that issues {@link Command.Spawn}; nothing is
     * spawned unless the pool runs. Then the end of the pool and of scale waits.
     */
    void reconcile() {
        if (state == PoolState.RUNNING) {
            for (WorkerSlot slot : slots.values()) {
                switch (slot.phase()) {
                    case WorkerSlot.Phase.Empty e -> {
                        WorkerJvm spare = spares.takeReady();
                        if (spare != null) {
                            out.info("worker {}: {} takes over", slot.id, spare);
                            promote(spare, slot);
                        } else {
                            slot.serve(spawn(new Role.Worker(slot.id)));
                        }
                    }
                    case WorkerSlot.Phase.Replacing r when r.next() == null -> {
                        WorkerJvm next = spawn(new Role.Worker(slot.id));
                        slot.successorSpawned(next);
                        // Heartbeats come from a library thread, so a successor stuck in onStart looks alive: give
                        // it workerTimeout (at least a boot's allowance) to report ready, or the reload would wait
                        // forever.
                        Duration ready = Health.bootTimeout(config.workerTimeout());
                        out.arm(ready, new PoolEvent.KillDue(slot.id, next.generation,
                                "did not report ready within " + ready.toMillis() + " ms (workerTimeout "
                                        + config.workerTimeout().toMillis() + " ms, at least "
                                        + Health.BOOT_ALLOWANCE.toSeconds() + " s)", true));
                    }
                    default -> { }
                }
            }
            while (spares.wantsMore()) {
                spares.add(spawn(new Role.Spare(spares.nextNumber())));
            }
            if (aotTrainingDue && live.values().stream().noneMatch(WorkerJvm::isTraining)) {
                aotTrainingDue = false;
                WorkerJvm jvm = spawn(new Role.Training());
                out.arm(AOT_TRAINING_TIMEOUT, new PoolEvent.KillDue(jvm.id(), jvm.generation, "did not finish within "
                        + AOT_TRAINING_TIMEOUT.toMinutes() + " min", false));
            }
        }
        if (state == PoolState.STOPPING && live.isEmpty()) {
            state = PoolState.STOPPED;
        }
        scaling.settle();
    }

    private WorkerJvm spawn(Role role) {
        WorkerJvm jvm = new WorkerJvm(role, ++generations, now, random.nextDouble(0, 0.1));
        live.put(jvm.generation, jvm);
        out.add(new Command.Spawn(role, jvm.id(), jvm.generation));
        return jvm;
    }

    private void onSpawned(PoolEvent.JvmSpawned e) {
        WorkerJvm jvm = live.get(e.generation());
        if (jvm == null) {
            return;
        }
        jvm.pid = e.pid();
        if (jvm.isTraining()) {
            out.debug("{}: spawned with {}", jvm, e.options());
        } else {
            out.debug("{}: spawned", jvm);
        }
    }

    /** A hot spare becomes this slot's worker: it runs the factory, onStart and main() from now on. */
    private void promote(WorkerJvm spare, WorkerSlot slot) {
        spare.role = new Role.Worker(slot.id);
        spare.state = SlotState.STARTING;
        spare.assignedNanos = now;
        out.add(new Command.Promote(spare.generation, slot.id));
        slot.serve(spare);
        send(spare, new Message.Assign(slot.id));
        spares.due();
    }

    void send(WorkerJvm jvm, Message message) {
        out.add(new Command.Send(jvm, message, jvm.state == SlotState.STOPPING));
    }

    // ---- requests (API, management socket, signals), handed to the decider they belong to ----

    public void addWorker(int id) {
        scaling.addWorker(id);
    }

    public CompletableFuture<Integer> removeWorker(int id) {
        return scaling.removeWorker(id);
    }

    public CompletableFuture<Outcome> scaleTo(int count) {
        return scaling.scaleTo(count);
    }

    public CompletableFuture<Outcome> reload(String cause) {
        return operations.reload(cause);
    }

    public CompletableFuture<Outcome> restartWorker(int id) {
        return operations.restartWorker(id);
    }

    /** See {@link Operations#reopenOutput}. */
    public int reopenOutput(String cause, boolean masterLog) {
        return operations.reopenOutput(cause, masterLog);
    }

    public boolean workersHaveFiles() {
        return operations.workersHaveFiles();
    }

    public void requestPoolStop(boolean interrupt, String cause, Duration timeout) {
        stops.requestPoolStop(interrupt, cause, timeout);
    }

    /**
     * The loop ended: every future still open completes (the returned commands say so), so that no caller waits
     * forever. No reconcile: nothing is started once the loop has ended, whatever the state it ended in.
     */
    public List<Command> abandonPending(String why) {
        scaling.abandonPending(why);
        return out.drain();
    }

    // ---- queries (the loop thread's, or published) ----

    /** What the loop reads of a JVM for a query: when it last showed life on its channel, its resident memory. */
    public interface Readings {
        long lastSeenNanos(long generation);

        long rssBytes(long generation);
    }

    /**
     * Whether the exit of this JVM, with this status, may be told with the workers' stderr tail: the loop reads
     * the file for the {@link PoolEvent.WorkerExited} only then.
     */
    public boolean mayShowStderr(long generation, int status, boolean neverConnected) {
        return exits.mayShowStderr(generation, status, neverConnected);
    }

    public PoolState state() {
        return state;
    }

    public Set<Integer> workerIds() {
        return publishedIds;
    }

    WorkerSlot slot(int id) {
        return slots.get(id);
    }

    Duration stopTimeout() {
        return stops.stopTimeout();
    }

    public String haltReason() {
        return exits.haltReason();
    }

    int liveCount() {
        return live.size();
    }

    public String reloadStatus() {
        return reload.status();
    }

    /** Whether {@code pid} is a JVM this pool started and still waits for (worker, successor, spare, training). */
    public boolean isWorkerPid(long pid) {
        return live.values().stream().anyMatch(jvm -> jvm.pid == pid);
    }

    /** The live JVMs, for the loop's readings. */
    void eachLive(Consumer<WorkerJvm> action) {
        List.copyOf(live.values()).forEach(action);
    }

    public List<WorkerStatus> status(long now, Readings readings) {
        List<WorkerStatus> result = new ArrayList<>();
        for (WorkerSlot slot : slots.values()) {
            WorkerJvm jvm = slot.active();
            result.add(new WorkerStatus(slot.id, jvm == null ? -1 : jvm.pid(), slot.state().name(),
                    jvm == null ? Duration.ZERO : Duration.ofNanos(now - jvm.spawnedNanos), slot.restarts,
                    slot.lastExit, jvm == null ? Duration.ZERO
                    : Duration.ofNanos(jvm.silenceNanos(now, readings.lastSeenNanos(jvm.generation))),
                    jvm == null ? -1 : readings.rssBytes(jvm.generation)));
        }
        for (WorkerJvm spare : spares.all()) {
            result.add(new WorkerStatus(spare.id(), spare.pid(), "SPARE", Duration.ofNanos(now - spare.spawnedNanos), 0,
                    "", Duration.ofNanos(spare.silenceNanos(now, readings.lastSeenNanos(spare.generation))),
                    readings.rssBytes(spare.generation)));
        }
        return result;
    }

    /** For the health endpoints and metrics: see {@link PoolSnapshots}. */
    public PoolSnapshot snapshot(long now, Readings readings) {
        return PoolSnapshots.take(state, slots.values(), spares.all().size(), config.readyShare(), now, readings);
    }

    void forget(WorkerSlot slot, int status) {
        java.util.concurrent.CompletableFuture<Integer> removal = slot.removal();
        slots.remove(slot.id);
        publishIds();
        if (removal != null) {
            out.complete(removal, status);
        }
    }

    void publishIds() {
        publishedIds = Set.copyOf(new LinkedHashSet<>(slots.keySet()));
    }

    /** "1 worker", "2 workers". */
    public static String workers(int count) {
        return count == 1 ? "1 worker" : count + " workers";
    }

    static String formatMillis(long millis) {
        return millis < 10_000 ? millis + " ms" : String.format("%.1f s", millis / 1000.0);
    }

    @Override
    public String toString() {
        return "pool [" + state + "] " + slots.values() + (spares.all().isEmpty() ? "" : " spares " + spares.all());
    }
}
