package io.workerpool.internal.master;

/**
 * One worker JVM: the one serving a slot, or its successor during a reload. Owned by the pool's loop
 * thread. Its generation, unique in the pool, tells events about it apart from events about earlier or
 * later JVMs of the same worker id.
 */
final class WorkerJvm {
    /** The worker id it serves; a hot spare has a negative placeholder until it is promoted. */
    int id;
    /** A hot spare: started and warmed, waiting to be given an id; it has not run the factory yet. */
    boolean spare;
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
    /** The JVM that trains the workers' AOT cache: no slot, no spare; it exits by itself once booted. */
    boolean aotTraining;
    /** Which AOT cache it was started with ({@link WorkerAotCache#epochForSpawn()}), 0 for none. */
    int aotCacheEpoch;
    /** A SIGKILL is scheduled or sent (stale, stop timed out, protocol broken): don't schedule another. */
    boolean killPending;

    WorkerJvm(int id, long generation, LoopPorts.WorkerProcess process, long spawnedNanos) {
        this.spawnedNanos = spawnedNanos;
        this.assignedNanos = spawnedNanos;
        this.id = id;
        this.spare = id < 0;
        this.generation = generation;
        this.process = process;
    }

    long pid() {
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
        if (aotTraining) {
            return "AOT cache training JVM (pid " + process.pid() + ")";
        }
        return (spare ? "hot spare " + id + " [SPARE]" : "worker " + id + " [" + state + "]") + " (pid "
                + process.pid() + ")";
    }
}
