package io.workerpool.internal.master;

import java.util.concurrent.CompletableFuture;

/**
 * One worker id in the pool and the JVM that currently serves it. Owned by the pool's loop thread: no
 * other thread reads or writes it. Each spawn gets a new generation, so events about an earlier JVM of the
 * same id are told apart.
 */
final class WorkerSlot {
    final int id;
    SlotState state = SlotState.BACKOFF;
    long generation;
    Process process;
    long spawnedNanos;
    long startedNanos;
    ControlConnection connection;
    int quickExitsInARow;
    int restarts;
    Integer lastExitStatus;
    /** Set by removeWorker: the slot leaves the pool when its JVM exits, and this completes. */
    CompletableFuture<Integer> removal;
    /** A SIGKILL is already scheduled or sent for this generation (stale, or stop timed out). */
    boolean killPending;

    WorkerSlot(int id) {
        this.id = id;
    }

    boolean hasProcess() {
        return process != null;
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Nanos since the worker last showed life: a frame on its control channel, or its spawn. */
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
        return "worker " + id + " [" + state + "]" + (process == null ? "" : " (pid " + process.pid() + ")");
    }
}
