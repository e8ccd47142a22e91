package io.workerpool.internal.core;

import io.workerpool.internal.wire.Message;

/**
 * Everything that can change the pool's state arrives as one of these on the master's single event queue,
 * as in gunicorn's arbiter: signal handlers, process-exit callbacks, worker-channel readers, timers and
 * API calls only enqueue; the loop thread alone acts. Worker events carry the slot's generation so that a
 * late event about a replaced JVM is recognised and ignored.
 */
public sealed interface PoolEvent {
    /**
     * The JVM's process ended and was reaped. The loop adds what it observed when it took the event
     * ({@code CommandRunner.observe}): whether the JVM ever reached the master, the last error it logged before it
     * started, and the tail of the workers' stderr file (for a JVM that never started).
     */
    /**
     * {@code atNanos}: when the exit was seen (the loop may handle it later on a busy machine), or
     * {@link #WHEN_HANDLED}.
     */
    record WorkerExited(int workerId, long generation, int status, boolean neverConnected, String bootError,
                        Stderr stderr, long atNanos) implements PoolEvent {
        public WorkerExited(int workerId, long generation, int status) {
            this(workerId, generation, status, true, null, Stderr.NONE, WHEN_HANDLED);
        }

        public WorkerExited(int workerId, long generation, int status, boolean neverConnected, String bootError,
                            Stderr stderr) {
            this(workerId, generation, status, neverConnected, bootError, stderr, WHEN_HANDLED);
        }
    }

    /** An event's time is the time the loop handles it. */
    long WHEN_HANDLED = Long.MIN_VALUE;

    /** When an event happened: its own time when it has one (never later than now), else now. */
    static long happened(long atNanos, long now) {
        return atNanos == WHEN_HANDLED || atNanos - now > 0 ? now : atNanos;
    }

    /** The end of the workers' stderr file, read by the loop for an exit's log line; empty strings without one. */
    record Stderr(String described, String lastLines) {
        public static final Stderr NONE = new Stderr("", "");
    }

    /** The answer to a {@link Command.Spawn}: the JVM runs as {@code pid}, started with {@code options}. */
    record JvmSpawned(long generation, long pid, java.util.List<String> options) implements PoolEvent {
    }

    /** The answer to a {@link Command.Spawn}: no JVM could be started ({@code command}: what was run). */
    record SpawnFailed(long generation, String error, String command) implements PoolEvent {
    }

    record WorkerConnected(int workerId, long generation, WorkerChannel connection) implements PoolEvent {
    }

    /** {@code atNanos}: when the master read the message, or {@link #WHEN_HANDLED}. */
    record WorkerSaid(int workerId, long generation, Message message, long atNanos) implements PoolEvent {
        public WorkerSaid(int workerId, long generation, Message message) {
            this(workerId, generation, message, WHEN_HANDLED);
        }
    }

    /**
     * The worker channel closed or broke; {@code protocolError} is null for a plain EOF. {@code bootError}: the
     * last error the worker logged before it started, read by the loop from the closed channel.
     */
    record WorkerDisconnected(int workerId, long generation, String protocolError, String bootError)
            implements PoolEvent {
        public WorkerDisconnected(int workerId, long generation, String protocolError) {
            this(workerId, generation, protocolError, null);
        }
    }

    /** The worker did something no worker of this library does (see {@code WorkerChannelServer.blame}): kill it. */
    record WorkerMisbehaved(int workerId, long generation, String what) implements PoolEvent {
    }

    record RestartDue(int workerId, long restartToken) implements PoolEvent {
    }

    /**
     * The worker was asked to stop (or got SIGQUIT for a dump, or had to become ready) and its time is up:
     * SIGKILL, unless {@code onlyIfNotReady} and it has reported ready meanwhile.
     */
    record KillDue(int workerId, long generation, String reason, boolean onlyIfNotReady) implements PoolEvent {
    }

    /**
     * The periodic check. The loop adds what it read of each live JVM (by generation) and whether the AOT cache
     * wants a training run, when it takes the event.
     */
    record Tick(java.util.Map<Long, Reading> readings, boolean aotTrainingDue) implements PoolEvent {
        public Tick() {
            this(java.util.Map.of(), false);
        }
    }

    /**
     * What the loop read of one JVM: when it last showed life on its channel (-1: not connected), its resident
     * memory (-1: unknown or not asked) and its latest heartbeat sample (PSS), or null.
     */
    record Reading(long lastSeenNanos, long rssBytes, io.workerpool.internal.metrics.JvmSample sample) {
        static final Reading NONE = new Reading(-1, -1, null);
    }

    record StopRequested(boolean interrupt, String cause) implements PoolEvent {
    }

    /** HUP, TTIN, TTOU, USR1: operations, not stops. */
    record OperationSignal(String name) implements PoolEvent {
    }

    record StopDeadline() implements PoolEvent {
    }

    /**
     * Work to run on the loop thread for an API call from another thread; {@code refuse} tells its caller the
     * loop ended before it could run, so that no caller waits forever.
     */
    record Call(Runnable action, Runnable refuse) implements PoolEvent {
    }
}
