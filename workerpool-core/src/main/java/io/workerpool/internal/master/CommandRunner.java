package io.workerpool.internal.master;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.core.Command;
import io.workerpool.internal.core.PoolCore;
import io.workerpool.internal.core.PoolEvent;
import io.workerpool.internal.core.PoolObserver;
import io.workerpool.internal.core.Role;
import io.workerpool.internal.core.WorkerChannel;
import io.workerpool.internal.core.WorkerJvm;
import io.workerpool.internal.launch.StderrTail;
import io.workerpool.internal.launch.WorkerAotCache;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.metrics.WorkerTelemetry;
import io.workerpool.internal.ops.MasterLog;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's hands: feeds each {@link PoolEvent} to the {@link PoolCore} with the time, after adding what it
 * observed of the world (a channel's last sign of life, a process's memory, whether an exited JVM ever reached the
 * master), and executes the {@link Command}s the core returns: spawns, sends, signals, timers, futures, observers,
 * log lines. It holds each live JVM's process and channel by generation; the core holds none. A spawn's result is
 * handed to the core as the next event, before anything else on the queue. Runs on the loop thread only.
 */
final class CommandRunner implements PoolCore.Readings {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    /** How long a JVM's exit waits for its channel's reader to replay what it logged before it died. */
    static final Duration EXIT_AFTER_LAST_RECORDS = Duration.ofSeconds(1);

    private final PoolCore core;
    private final PoolConfig config;
    private final LoopPorts.Launcher launcher;
    private final LoopPorts.Admissions admissions;
    private final WorkerAotCache aotCache;
    private final WorkerTelemetry telemetry;
    private final PoolObserver observer;
    private final Consumer<PoolEvent> events;
    private final BiConsumer<Duration, PoolEvent> timer;
    private final Map<Long, Handle> handles = new HashMap<>();

    /** A live JVM's process and channel (null until it connects, and after it disconnects). */
    private static final class Handle {
        final LoopPorts.WorkerProcess process;
        final int aotEpoch;
        WorkerChannel channel;

        Handle(LoopPorts.WorkerProcess process, int aotEpoch) {
            this.process = process;
            this.aotEpoch = aotEpoch;
        }
    }

    CommandRunner(PoolCore core, LoopPorts.Launcher launcher, LoopPorts.Admissions admissions,
                  Consumer<PoolEvent> events, BiConsumer<Duration, PoolEvent> timer, PoolObserver observer,
                  WorkerTelemetry telemetry) {
        this.core = core;
        this.config = core.config;
        this.launcher = launcher;
        this.admissions = admissions;
        this.events = events;
        this.timer = timer;
        this.observer = observer;
        this.telemetry = telemetry;
        this.aotCache = WorkerAotCache.of(config, launcher.command());
    }

    void start(List<Integer> ids) {
        run(core.start(ids, System.nanoTime(), aotCache.trainingDue()));
    }

    /** One event from the queue, and the spawn results it leads to. */
    void deliver(PoolEvent first) {
        Deque<PoolEvent> pending = new ArrayDeque<>();
        pending.add(first);
        while (!pending.isEmpty()) {
            PoolEvent event = observe(pending.poll());
            List<Command> commands = core.handle(event, System.nanoTime());
            if (event instanceof PoolEvent.WorkerExited e) {
                handles.remove(e.generation()); // its channel's reader closes the channel at its end
            }
            commands.forEach(command -> execute(command, pending));
        }
    }

    /** Executes what the core decided outside an event: an API call run directly on the loop thread. */
    void flush() {
        Deque<PoolEvent> pending = new ArrayDeque<>();
        core.drain().forEach(command -> execute(command, pending));
        pending.forEach(this::deliver);
    }

    /** Runs commands decided outside an event (the start, the end of the loop), then the spawn results they lead to. */
    void run(List<Command> commands) {
        Deque<PoolEvent> pending = new ArrayDeque<>();
        commands.forEach(command -> execute(command, pending));
        pending.forEach(this::deliver);
    }

    /** The event with what the loop observed of the world added, as the core needs it. */
    private PoolEvent observe(PoolEvent event) {
        return switch (event) {
            case PoolEvent.WorkerConnected e -> {
                Handle handle = handles.get(e.generation());
                if (handle != null) {
                    handle.channel = e.connection();
                }
                yield e;
            }
            case PoolEvent.WorkerDisconnected e -> {
                Handle handle = handles.get(e.generation());
                String bootError = null;
                if (handle != null && handle.channel != null) {
                    bootError = handle.channel.bootError();
                    handle.channel = null;
                }
                yield new PoolEvent.WorkerDisconnected(e.workerId(), e.generation(), e.protocolError(), bootError);
            }
            case PoolEvent.WorkerExited e -> {
                Handle handle = handles.get(e.generation());
                boolean neverConnected = admissions.revoke(e.workerId(), e.generation());
                String bootError = handle != null && handle.channel != null ? handle.channel.bootError() : null;
                Path stderr = config.stderr();
                // Read only for the exits whose line shows it (a JVM that never started, a boot error), not
                // on every exit.
                PoolEvent.Stderr tail = handle == null || stderr == null
                        || !core.mayShowStderr(e.generation(), e.status(), neverConnected) ? PoolEvent.Stderr.NONE
                        : new PoolEvent.Stderr(StderrTail.describe(stderr), StderrTail.lastLines(stderr, 3));
                yield new PoolEvent.WorkerExited(e.workerId(), e.generation(), e.status(), neverConnected, bootError,
                        tail, e.atNanos());
            }
            case PoolEvent.Tick e -> {
                Map<Long, PoolEvent.Reading> readings = new HashMap<>();
                handles.forEach((generation, handle) -> readings.put(generation, new PoolEvent.Reading(
                        lastSeenNanos(generation),
                        config.maxWorkerRssBytes() > 0 ? handle.process.rssBytes() : -1,
                        config.maxWorkerPssBytes() > 0 ? telemetry.latest(handle.process.pid()) : null)));
                yield new PoolEvent.Tick(readings, aotCache.trainingDue());
            }
            default -> event;
        };
    }

    private void execute(Command command, Deque<PoolEvent> pending) {
        try {
            switch (command) {
                case Command.Spawn c -> pending.add(spawn(c));
                case Command.Send c -> send(c);
                case Command.Promote c -> {
                    Handle handle = handles.get(c.generation());
                    if (handle != null && handle.channel != null) {
                        handle.channel.promoteTo(c.workerId());
                    }
                }
                case Command.Signal c -> {
                    Handle handle = handles.get(c.generation());
                    if (handle != null) {
                        handle.process.signal(c.signal());
                    }
                }
                case Command.Kill c -> {
                    Handle handle = handles.get(c.generation());
                    if (handle != null) {
                        handle.process.kill(c.descendants());
                    }
                }
                case Command.CloseChannel c -> c.channel().close();
                case Command.Arm c -> timer.accept(c.delay(), c.event());
                case Command.Complete<?> c -> complete(c);
                case Command.Notify c -> c.news().accept(observer);
                case Command.Log c -> LOG.atLevel(c.level()).log(c.line());
                case Command.CheckAotCache c -> {
                    Handle handle = handles.get(c.jvm().generation);
                    if (handle != null) {
                        aotCache.connected(c.jvm(), handle.aotEpoch);
                    }
                }
                case Command.AotTrainingExited c -> aotCache.trainingExited(c.status(), c.stopped());
                case Command.ReopenMasterLog c -> reopenMasterLog(c.cause(), c.workersHaveFiles());
            }
        } catch (RuntimeException e) {
            LOG.error("{}: failed to execute {}: {}", core, command, e.toString(), e);
        }
    }

    private static <T> void complete(Command.Complete<T> c) {
        c.future().complete(c.value());
    }

    private PoolEvent spawn(Command.Spawn c) {
        int id = c.channelId();
        long generation = c.generation();
        String secret = launcher.newSecret();
        admissions.admit(id, generation, secret);
        boolean training = c.role() instanceof Role.Training;
        try {
            int epoch = training ? 0 : aotCache.epochForSpawn();
            List<String> options = training ? aotCache.startTraining() : aotCache.workerOptions();
            LoopPorts.WorkerProcess process = launcher.spawn(id, secret, options,
                    training ? aotCache.trainingLog() : null);
            admissions.spawned(secret, process.pid());
            handles.put(generation, new Handle(process, epoch));
            // The exit is told after the JVM's last log records were replayed (its channel read to the end),
            // so the master's line about it follows them; a reader stuck for long does not hold it back.
            process.exitStatus().thenCompose(status -> {
                PoolEvent.WorkerExited exited = new PoolEvent.WorkerExited(id, generation, status, true, null,
                        PoolEvent.Stderr.NONE, System.nanoTime());
                return admissions.readerEnded(generation)
                        .completeOnTimeout(null, EXIT_AFTER_LAST_RECORDS.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(ended -> exited);
            }).thenAccept(events::accept);
            return new PoolEvent.JvmSpawned(generation, process.pid(), options);
        } catch (IOException e) {
            admissions.revoke(id, generation);
            if (training) {
                aotCache.trainingNotStarted(e.getMessage());
            }
            return new PoolEvent.SpawnFailed(generation, e.getMessage(), String.valueOf(launcher.command()));
        }
    }

    private void send(Command.Send c) {
        WorkerJvm jvm = c.jvm();
        Handle handle = handles.get(jvm.generation);
        Message message = c.message();
        if (handle == null || handle.channel == null) {
            LOG.debug("{}: channel closed before {} could be sent", jvm, message);
            return;
        }
        try {
            handle.channel.send(message);
        } catch (ClosedChannelException ex) {
            // The worker closed its channel: it is exiting already, and its exit event follows.
            LOG.debug("{}: channel closed before {} could be sent", jvm, message);
        } catch (IOException ex) {
            // The signal that means the same: an interrupt stays an interrupt.
            boolean interrupt = message instanceof Message.Interrupt;
            if (c.exiting()) {
                // Asked to stop and exiting already (Ctrl-C reaches the whole process group): no news.
                LOG.debug("{}: could not send {} ({}); it is exiting", jvm, message, ex.toString());
            } else {
                LOG.warn("{}: could not send {} ({}); sending SIG{} instead", jvm, message, ex.toString(),
                        interrupt ? "INT" : "TERM");
            }
            handle.process.signal(interrupt ? Signals.SIGINT : Signals.SIGTERM);
        }
    }

    /** A daemon master reopens its own log; returns whether it did. */
    boolean reopenMasterLog(String cause, boolean workersHaveFiles) {
        boolean master = MasterLog.reopen(cause); // a no-op in the foreground
        if (!workersHaveFiles && !master) {
            LOG.info("{}: the workers write to the master's own stdout/stderr; nothing to reopen", cause);
        }
        return master;
    }

    // ---- readings, for queries ----

    @Override
    public long lastSeenNanos(long generation) {
        Handle handle = handles.get(generation);
        return handle == null || handle.channel == null ? -1 : handle.channel.lastSeenNanos();
    }

    @Override
    public long rssBytes(long generation) {
        Handle handle = handles.get(generation);
        return handle == null ? -1 : handle.process.rssBytes();
    }

    List<WorkerStatus> status() {
        return telemetry.withSamples(core.status(System.nanoTime(), this)); // issue 16 hook: heap, GC, PSS
    }

    PoolSnapshot snapshot() {
        return core.snapshot(System.nanoTime(), this);
    }
}
