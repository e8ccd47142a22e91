package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;

/**
 * One JVM the pool started, as the core ({@link PoolCore}) sees it: its role, its own lifecycle and what it told
 * the master. It holds no process or channel: commands name it by its generation, unique in the pool, which also
 * tells events about it apart from events about earlier or later JVMs of the same worker id. Owned by the loop.
 */
public final class WorkerJvm {
    /** What it is for: the worker of an id, a hot spare (until promoted), or the AOT training run. */
    Role role;
    public final long generation;
    final long spawnedNanos;
    /** Its process id, once {@link PoolEvent.JvmSpawned} said it; -1 until then. */
    long pid = -1;
    /** When it was given its worker id: its spawn, or a spare's promotion. "started in" counts from here. */
    long assignedNanos;
    /** Recycling jitter: this JVM's share (0..10%) added to maxWorkerAge, so workers don't all recycle together. */
    final double ageJitter;
    /** Its own lifecycle: STARTING until it reports started, RUNNING, STOPPING once the master asked it to stop. */
    SlotState state = SlotState.STARTING;
    long startedNanos;
    /** Its channel to the master is open (from its hello to the end of the stream). */
    boolean connected;
    /** Why the master asked it to stop or killed it; null while it has not (its exit status tells then). */
    ExitCause stopCause;
    /** The error it logged before it started, kept when its channel closes: why it failed to boot. */
    String bootError;
    /**
     * A SIGKILL is scheduled or sent (stale, stop timed out, protocol broken): don't schedule another. Not a phase:
     * a JVM in any of its states (starting, running, stopping) can be on its way to a SIGKILL.
     */
    boolean killPending;

    WorkerJvm(Role role, long generation, long spawnedNanos, double ageJitter) {
        this.spawnedNanos = spawnedNanos;
        this.assignedNanos = spawnedNanos;
        this.role = role;
        this.generation = generation;
        this.ageJitter = ageJitter;
    }

    /** Its id on the worker channel, in events and in status: the worker's id, -N for hot spare N. */
    int id() {
        return switch (role) {
            case Role.Worker w -> w.id();
            case Role.Spare s -> -s.number();
            case Role.Training t -> Role.TRAINING_ID;
        };
    }

    boolean isSpare() {
        return role instanceof Role.Spare;
    }

    boolean isTraining() {
        return role instanceof Role.Training;
    }

    public long pid() {
        return pid;
    }

    /** Nanos since the JVM last showed life: a frame on its channel ({@code lastSeenNanos}, -1 for none), or its spawn. */
    long silenceNanos(long now, long lastSeenNanos) {
        return now - Math.max(spawnedNanos, connected ? lastSeenNanos : -1);
    }

    /** "worker 1 [RUNNING] (pid 1234)": every pool event line names id, state and pid. */
    @Override
    public String toString() {
        return switch (role) {
            case Role.Worker w -> "worker " + w.id() + " [" + state + "]";
            case Role.Spare s -> "hot spare -" + s.number() + " [SPARE]";
            case Role.Training t -> "AOT cache training JVM";
        } + " (pid " + (pid < 0 ? "not yet known" : pid) + ")";
    }
}
