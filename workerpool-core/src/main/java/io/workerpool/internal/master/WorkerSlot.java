package io.workerpool.internal.master;

import java.util.concurrent.CompletableFuture;

/**
 * One worker id in the pool: the JVM serving it, the successor that will replace it during a reload, and
 * its restart history. Owned by the pool's loop thread: no other thread reads or writes it.
 */
final class WorkerSlot {
    final int id;
    WorkerJvm active;
    /** A JVM started to take over from {@link #active} once it reports ready (rolling reload, restart). */
    WorkerJvm successor;
    /** Bumped whenever a restart is scheduled, so that a late timer for an earlier one is ignored. */
    long restartToken;
    int quickExitsInARow;
    int bootErrorsInARow;
    /** Why its last JVM failed to boot, as far as the master knows (the error it logged), or null. */
    String bootError;
    /** Given up on after repeated boot errors: not restarted until the pool is. */
    boolean failed;
    int restarts;
    int recycles;
    Integer lastExitStatus;
    String lastExit = "";
    /** Set by removeWorker: the slot leaves the pool when its JVM exits, and this completes. */
    CompletableFuture<Integer> removal;

    WorkerSlot(int id) {
        this.id = id;
    }

    SlotState state() {
        return active != null ? active.state : failed ? SlotState.FAILED : SlotState.BACKOFF;
    }


    /** The JVM of this generation in this slot, or null. */
    WorkerJvm jvm(long generation) {
        if (active != null && active.generation == generation) {
            return active;
        }
        if (successor != null && successor.generation == generation) {
            return successor;
        }
        return null;
    }

    @Override
    public String toString() {
        return active != null ? active.toString() : "worker " + id + " [" + state() + "]";
    }
}
