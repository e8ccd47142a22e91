package io.workerpool.internal.master;

import io.workerpool.Callback;
import io.workerpool.PoolStartException;
import io.workerpool.WorkerStatus;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.core.Outcome;
import io.workerpool.internal.core.PoolCore;
import io.workerpool.internal.core.PoolEvent;
import io.workerpool.internal.core.PoolObserver;
import io.workerpool.internal.core.PoolState;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.ops.Daemon;
import io.workerpool.internal.ops.MetricsServer;
import io.workerpool.internal.ops.OrphanReaper;
import io.workerpool.internal.ops.SystemdNotifier;
import io.workerpool.internal.launch.WorkerSpawner;

/**
 * The master: one loop, on the thread that called {@code Supervisor.main()}, fed by one queue of
 * {@link PoolEvent}s, as in gunicorn's arbiter. Signal handlers, process-exit callbacks, worker-channel
 * readers, timers and API calls only enqueue; the loop alone changes pool state (in the {@link PoolCore}, whose
 * commands its {@link CommandRunner} executes),
 * so "worker exited" and "stop requested" can't race. That thread also starts every worker JVM and lives
 * until the last one has exited, which the kernel's parent-death signal needs.
 */
public final class Pool {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final List<String> STOP_SIGNALS = List.of("TERM", "INT");
    private static final List<String> OPERATION_SIGNALS = List.of("HUP", "TTIN", "TTOU", "USR1");
    /** How long the master, once its workers have exited, keeps replaying the log records still on their way. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final PoolConfig config;
    private final List<Callback> startCallbacks = new CopyOnWriteArrayList<>();
    private final List<Callback> shutdownCallbacks = new CopyOnWriteArrayList<>();
    private final LoopQueue events = new LoopQueue();
    /** Ids of a pool not started yet; the core owns them after that. */
    private final Set<Integer> initialIds;
    private volatile PoolState state = PoolState.NEW;
    private volatile PoolCore core;
    private CommandRunner runner;
    private volatile Thread loopThread;
    private ScheduledThreadPoolExecutor timer;
    private final List<PoolObserver> observers = new CopyOnWriteArrayList<>();
    /** The /healthz, /readyz, /metrics server (metrics(address)), or null; the loop publishes snapshots to it. */
    private MetricsServer metricsServer;
    private volatile String metricsAddress;
    private volatile OrphanReaper orphans;

    public Pool(PoolConfig config) {
        this.config = config;
        this.initialIds = new LinkedHashSet<>(config.workerIds());
    }

    public void onStart(Callback cb) {
        startCallbacks.add(cb);
    }

    public void onShutdown(Callback cb) {
        shutdownCallbacks.add(cb);
    }

    /** Integrations (systemd, metrics) that follow the pool; add before {@link #run()}. */
    public void addObserver(PoolObserver observer) {
        observers.add(observer);
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
                return;
            }
        }
        onLoop("add worker " + id, a -> {
            a.addWorker(id);
            return null;
        });
    }

    public CompletableFuture<Integer> removeWorker(int id) {
        synchronized (initialIds) {
            if (state == PoolState.NEW) {
                if (!initialIds.remove(id)) {
                    throw new IllegalArgumentException("worker " + id + " is not in the pool " + initialIds);
                }
                return CompletableFuture.completedFuture(0);
            }
        }
        return onLoop("remove worker " + id, a -> a.removeWorker(id));
    }

    public Set<Integer> workerIds() {
        PoolCore a = core;
        if (a != null) {
            return a.workerIds();
        }
        synchronized (initialIds) {
            return Set.copyOf(initialIds);
        }
    }

    public void terminate() {
        events.add(new PoolEvent.StopRequested(false, "terminate() called"));
    }

    /** A graceful stop with its own timeout, as the control socket's {@code stop --timeout} asks. */
    public void terminate(Duration timeout, String cause) {
        events.add(new PoolEvent.Call(() -> core.requestPoolStop(false, cause, timeout), () -> { }));
    }

    public void interrupt() {
        events.add(new PoolEvent.StopRequested(true, "interrupt() called"));
    }

    public void reload() {
        onLoop("reload", a -> a.reload("reload requested"));
    }

    public void restartWorker(int id) {
        onLoop("restart worker " + id, a -> a.restartWorker(id));
    }

    public void scale(int workers) {
        onLoop("scale to " + workers, a -> a.scaleTo(workers));
    }

    /**
     * A rolling reload whose future completes with its outcome: done once every worker is replaced, refused
     * (the pool is not running, a reload already runs), or aborted (a new worker failed, the pool is stopping).
     * It never completes exceptionally for those, and it always completes.
     */
    public CompletableFuture<Outcome> reloadAsync() {
        return outcomeOf("reload", a -> a.reload("reload requested"));
    }

    /** As {@link #reloadAsync()}, for one worker id. */
    public CompletableFuture<Outcome> restartWorkerAsync(int id) {
        return outcomeOf("restart worker " + id, a -> a.restartWorker(id));
    }

    /** Done once the removed workers have exited and the added ones have reported started; or refused/aborted. */
    public CompletableFuture<Outcome> scaleAsync(int workers) {
        return outcomeOf("scale to " + workers, a -> a.scaleTo(workers));
    }

    private CompletableFuture<Outcome> outcomeOf(String what,
                                                 java.util.function.Function<PoolCore, CompletableFuture<Outcome>> op) {
        try {
            return onLoop(what, op);
        } catch (IllegalStateException | IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Outcome.refused(e.getMessage()));
        }
    }

    /**
     * What a log rotation reopened.
     *
     * @param master whether a daemon master reopened its own log
     * @param workers how many workers were asked to reopen their files; -1 when they have none of their own
     */
    public record OutputReopen(boolean master, int workers) {
    }

    /** Log rotation: a daemon master reopens its log, running workers their stdout/stderr files. */
    public OutputReopen reopenOutput() {
        return onLoop("reopen the output files", a -> {
            boolean master = runner.reopenMasterLog("logs-reopen", a.workersHaveFiles());
            return new OutputReopen(master, a.reopenOutput("logs-reopen", false));
        });
    }

    public List<WorkerStatus> status() {
        return onLoop("status", c -> runner.status());
    }

    /** The workers' status and the reload's, read in one pass of the loop, so that they always agree. */
    public record StatusReport(List<WorkerStatus> workers, String reload) {
    }

    public StatusReport statusReport() {
        return onLoop("status", c -> new StatusReport(runner.status(), c.reloadStatus()));
    }

    public String reloadStatus() {
        return onLoop("status", PoolCore::reloadStatus);
    }

    public PoolState state() {
        return state;
    }

    /**
     * Runs {@code action} on the loop thread and returns its result. Never waits forever: a call the loop did
     * not take before it ended fails with the pool's state (see {@link LoopQueue}), and whatever the call
     * throws, an {@code Error} too, is thrown here.
     */
    private <T> T onLoop(String what, java.util.function.Function<PoolCore, T> action) {
        if (state == PoolState.NEW || state == PoolState.STOPPED || core == null) {
            throw notRunning(what);
        }
        Supplier<T> call = () -> action.apply(core);
        if (Thread.currentThread() == loopThread) {
            // called back on the loop thread (an observer, a future's dependent): the core's commands run now
            try {
                return call.get();
            } finally {
                runner.flush();
            }
        }
        return events.call(call, () -> notRunning(what));
    }

    private IllegalStateException notRunning(String what) {
        PoolState now = state == PoolState.STOPPING && events.isClosed() ? PoolState.STOPPED : state;
        return new IllegalStateException("cannot " + what + ": the pool is " + now
                + (now == PoolState.NEW ? " (Supervisor.main() has not started it yet)" : ""));
    }

    // ---- the loop ----

    /** Runs the pool on the calling thread until it has stopped. */
    public void run() {
        if (config.daemonize() && !Daemon.isDaemonProcess()) {
            Daemon.launchAndExit(config);
            return;
        }
        synchronized (initialIds) {
            if (state != PoolState.NEW) {
                throw new IllegalStateException("Supervisor.main() runs once; this pool is " + state);
            }
            state = PoolState.STARTING;
        }
        if (Daemon.isDaemonProcess()) {
            Daemon.detach();
        }
        loopThread = Thread.currentThread();
        MasterStartup startup = new MasterStartup(config);
        try {
            startup.start(events::add);
            // systemd Type=notify (docs/systemd.md): READY=1, RELOADING=1, STOPPING=1, STATUS=, watchdog pings
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(System.getenv(), config.checkInterval());
            if (notifier != null) {
                startup.own(notifier);
                addObserver(notifier);
            }
            timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("workerpool-timer").factory());
            timer.setRemoveOnCancelPolicy(true);
            WorkerSpawner spawner = new WorkerSpawner(config, startup.channelServer().socketPath(),
                    startup.handoffSocket());
            metricsServer = startup.metricsServer();
            if (metricsServer != null) {
                metricsAddress = MetricsServer.format(metricsServer.address());
                addObserver(metricsServer.observer());
            } else if (config.metrics() != null && startup.successor() != null) {
                // issue 15 (upgrade) hook: the metrics address is bound at the takeover; its news until then
                // go nowhere, as before any start
                Observers deferred = Observers.later();
                addObserver(deferred);
                startup.successor().onTakeover(() -> {
                    MetricsServer server = startup.startDeferredMetrics();
                    if (server != null) {
                        events.add(new PoolEvent.Call(() -> {
                            metricsServer = server;
                            metricsAddress = MetricsServer.format(server.address());
                            deferred.add(server.observer());
                            publish(true);
                        }, () -> { }));
                    }
                });
            }
            // Before any worker starts, so that every process a worker leaves behind is re-parented to us; after
            // the spawner, whose check of the library's native access the first native call here would change
            orphans = OrphanReaper.start();
            runCallbacks("master onStart", startCallbacks, true);
            observers.add(new PoolObserver() {
                @Override
                public void poolStopping(String cause) {
                    startup.closeListenSocket();
                }
            });
            // issue 15 (upgrade) hook: a new master says when it is ready; any master can be upgraded
            if (startup.successor() != null) {
                observers.add(startup.successor());
            }
            upgrade = new MasterUpgrade(config, startup, this);
            core = new PoolCore(config, io.workerpool.internal.ops.MasterLog.workersFile(config, 1),
                    io.workerpool.internal.ops.MasterLog.workersFile(config, 2), System.nanoTime());
            runner = new CommandRunner(core, LoopPorts.Launcher.of(spawner), LoopPorts.Admissions.of(
                    startup.channelServer()), events::add, this::schedule, Observers.of(observers),
                    startup.channelServer().telemetry());
            if (config.controlSocket() != null) {
                startup.openManagementSocket(this);
            }
        } catch (RuntimeException | Error e) {
            if (startup.successor() != null) {
                startup.successor().failed(String.valueOf(e.getMessage())); // issue 15 (upgrade) hook
            }
            state = PoolState.STOPPED;
            shutdownTimer();
            if (orphans != null) {
                orphans.stop();
            }
            startup.close(e);
            Daemon.reportFailure(String.valueOf(e.getMessage()));
            throw e;
        }
        try (MasterSignals stops = MasterSignals.install(STOP_SIGNALS, this::onStopSignal);
             MasterSignals operations = MasterSignals.install(OPERATION_SIGNALS,
                     name -> events.add(new PoolEvent.OperationSignal(name)));
             MasterSignals upgrades = MasterSignals.install(List.of("USR2"), // issue 15 (upgrade) hook
                     name -> events.add(new PoolEvent.Call(this::upgradeOnSignal, () -> { })))) {
            List<Integer> ids;
            synchronized (initialIds) {
                ids = List.copyOf(initialIds);
            }
            LOG.info("pool starting {} {} (pid {})", PoolCore.workers(ids.size()), ids, ProcessHandle.current().pid());
            runner.start(ids);
            state = core.state();
            publish(true); // the loop starts: liveness counts from here
            long period = config.checkInterval().toNanos();
            timer.scheduleAtFixedRate(() -> events.add(new PoolEvent.Tick()), period, period, TimeUnit.NANOSECONDS);
            Daemon.reportReady();
            loop();
            publish(false);
            if (core.haltReason() != null) {
                if (startup.successor() != null) {
                    startup.successor().failed(core.haltReason()); // issue 15 (upgrade) hook
                }
                throw new PoolStartException(core.haltReason());
            }
        } finally {
            shutdownTimer();
            events.close();
            runner.run(core.abandonPending("the pool stopped"));
            if (core.state() == PoolState.STOPPED) {
                // Every worker has exited, but its last log records may still be in its channel.
                startup.channelServer().awaitReaders(DRAIN_TIMEOUT);
            }
            runCallbacks("master onShutdown", shutdownCallbacks, false);
            orphans.stop();
            startup.close(null);
            state = PoolState.STOPPED;
            LOG.info("pool stopped");
        }
    }

    private void loop() {
        while (core.state() != PoolState.STOPPED) {
            PoolEvent event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                // The user's thread was interrupted: treat it as SIGINT, and keep going until stopped.
                event = new PoolEvent.StopRequested(true, "master thread interrupted");
            }
            try {
                runner.deliver(event);
                if (event instanceof PoolEvent.Tick) {
                    orphans.onTick(core::isWorkerPid);
                }
            } catch (RuntimeException e) {
                LOG.error("{}: failed to handle {}: {}", core, event, e.toString(), e);
            } finally {
                events.afterEvent();
            }
            state = core.state();
            publish(event instanceof PoolEvent.Tick);
        }
    }

    /** Hands the HTTP threads a fresh snapshot; {@code checked} when the loop just ran its periodic check. */
    private void publish(boolean checked) {
        if (metricsServer != null) {
            metricsServer.publish(runner.snapshot(), checked);
        }
    }

    // ---- issue 15 (upgrade) hook ----
    /** How long a new master has to be ready before an upgrade is rolled back. */
    public static final Duration UPGRADE_TIMEOUT = Duration.ofMinutes(2);

    private volatile MasterUpgrade upgrade;

    /**
     * Starts replacing this master by a new master process (see {@link MasterUpgrade}); returns the file its
     * result goes to.
     *
     * @throws IllegalStateException when the pool is not running, or an upgrade runs already
     */
    public java.nio.file.Path upgrade(Duration timeout) {
        return upgrade(timeout, true);
    }

    /** As {@link #upgrade(Duration)}; without {@code keepResult} the outcome is logged only (no file to read). */
    public java.nio.file.Path upgrade(Duration timeout, boolean keepResult) {
        MasterUpgrade u = upgrade;
        if (u == null || state != PoolState.RUNNING) {
            throw notRunning("upgrade");
        }
        return u.start(timeout, keepResult);
    }

    private void upgradeOnSignal() {
        try {
            upgrade(MasterUpgrade.DEFAULT_TIMEOUT, false);
        } catch (IllegalStateException e) {
            LOG.warn("SIGUSR2: {}", e.getMessage());
        }
    }

    /** "host:port" of the /healthz, /readyz, /metrics server once it runs (the real port for port 0), or null. */
    public String metricsAddress() {
        return metricsAddress;
    }

    private void onStopSignal(String name) {
        events.add(new PoolEvent.StopRequested("INT".equals(name), "SIG" + name));
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

    @Override
    public String toString() {
        return "Supervisor[" + state + ", workers " + workerIds() + "]";
    }
}
