package io.workerpool.internal.core;

/** The state of one worker id in the pool. */
public enum SlotState {
    /** JVM spawned; its onStart callbacks have not finished yet. */
    STARTING,
    /** Reported started: main() runs. */
    RUNNING,
    /** Asked to stop (pool stop, removal); waiting for it to exit. */
    STOPPING,
    /** Exited; a replacement is due after the restart backoff. */
    BACKOFF,
    /** Could not boot several times in a row: given up on, not restarted. */
    FAILED
}
