package io.workerpool.internal.master;

/**
 * What the pool tells integrations (systemd notify, metrics) as it goes. Called on the pool's loop thread:
 * implementations must return quickly and never block on the pool.
 */
public interface PoolObserver {
    /** Every initial worker reported started (systemd READY=1). */
    default void poolReady(int workers) {
    }

    default void workerStarted(int id, long pid, long startMillis) {
    }

    /** A worker JVM exited; {@code expected} when the master had asked it to stop. */
    default void workerExited(int id, long pid, int status, boolean expected) {
    }

    default void workerKilledAsStale(int id, long pid) {
    }

    default void reloadStarted(String cause) {
    }

    /** {@code result}: "completed ...", "failed ...", "aborted ...". */
    default void reloadFinished(String result) {
    }

    default void poolStopping(String cause) {
    }

    /** A short human-readable status line ("4 workers running"). */
    default void status(String line) {
    }

    /**
     * The pool's periodic check ran (every checkInterval). It comes from the loop itself, so a stuck loop
     * stops these: the systemd watchdog is pinged from here.
     */
    default void tick() {
    }
}
