package io.workerpool.internal.master;

import io.workerpool.internal.core.Role;
import io.workerpool.internal.launch.WorkerAotCache;

/**
 * One worker JVM: the one serving a slot, or its successor during a reload. Owned by the pool's loop
 * thread. Its generation, unique in the pool, tells events about it apart from events about earlier or
 * later JVMs of the same worker id.
 */
public final class WorkerJvm {
    /** What it is for: the worker of an id, a hot spare (until promoted), or the AOT training run. */
    Role role;
    final long generation;
    final LoopPorts.WorkerProcess process;
    final long spawnedNanos;
    /** When it was given its worker id: its spawn, or a spare's promotion. "started in" counts from here. */
    long assignedNanos;
    /** Recycling jitter: this JVM's share (0..10%) added to maxWorkerAge, so workers don't all recycle together. */
    final double ageJitter = java.util.concurrent.ThreadLocalRandom.current().nextDouble(0, 0.1);
    SlotState state = SlotState.STARTING;
    long startedNanos;
    LoopPorts.WorkerChannel connection;
    /** Why the master asked it to stop or killed it; null while it has not (its exit status tells then). */
    io.workerpool.internal.metrics.ExitCause stopCause;
    /** The error it logged before it started, kept when its channel closes: why it failed to boot. */
    String bootError;
    /** Which AOT cache it was started with ({@link WorkerAotCache#epochForSpawn()}), 0 for none. */
    int aotCacheEpoch;
    /** A SIGKILL is scheduled or sent (stale, stop timed out, protocol broken): don't schedule another. */
    boolean killPending;

    WorkerJvm(Role role, long generation, LoopPorts.WorkerProcess process, long spawnedNanos) {
        this.spawnedNanos = spawnedNanos;
        this.assignedNanos = spawnedNanos;
        this.role = role;
        this.generation = generation;
        this.process = process;
    }

    /** Its id on the worker channel, in events and in status: the worker's id, -N for hot spare N. */
    int id() {
        return switch (role) {
            case Role.Worker w -> w.id();
            case Role.Spare s -> -s.number();
            case Role.Training t -> WorkerAotCache.TRAINING_ID;
        };
    }

    boolean isSpare() {
        return role instanceof Role.Spare;
    }

    boolean isTraining() {
        return role instanceof Role.Training;
    }

    public long pid() {
        return process.pid();
    }

    /** Nanos since the JVM last showed life: a frame on its control channel, or its spawn. */
    long silenceNanos(long now) {
        long lastSeen = spawnedNanos;
        if (connection != null) {
            lastSeen = Math.max(lastSeen, connection.lastSeenNanos());
        }
        return now - lastSeen;
    }

    /** "worker 1 [RUNNING] (pid 1234)": every pool event line names id, state and pid. */
    @Override
    public String toString() {
        return switch (role) {
            case Role.Worker w -> "worker " + w.id() + " [" + state + "]";
            case Role.Spare s -> "hot spare -" + s.number() + " [SPARE]";
            case Role.Training t -> "AOT cache training JVM";
        } + " (pid " + process.pid() + ")";
    }
}
