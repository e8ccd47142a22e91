package io.workerpool.internal.core;

/** The master's lifecycle: NEW → STARTING → RUNNING → STOPPING → STOPPED; a failed start goes straight to STOPPED. */
public enum PoolState {
    /** Built, {@code main()} not called yet. */
    NEW,
    /** Taking the pidfile, binding, running the master's onStart callbacks, starting workers. */
    STARTING,
    /** Keeping the workers alive. */
    RUNNING,
    /** Stop requested: waiting for workers to exit, killing them after stopTimeout. */
    STOPPING,
    /** Every worker has exited and the master's resources are released. */
    STOPPED
}
