package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;

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

    /** A worker JVM exited; {@code cause} says whether the master had asked for it, and why. */
    default void workerExited(int id, long pid, int status, ExitCause cause) {
    }

    /** A worker id is given a new JVM after an exit the master had not asked for (its restart count grows). */
    default void workerRestarting(int id) {
    }

    /** A worker is recycled; {@code cause}: "age" (maxWorkerAge) or "rss" (maxWorkerRss). */
    default void workerRecycling(int id, String cause) {
    }

    default void workerKilledAsStale(int id, long pid) {
    }

    default void reloadStarted(String cause) {
    }

    /** {@code result}: "completed ...", "failed ...", "aborted ...". */
    default void reloadFinished(String result) {
    }

    /**
     * A rolling replacement ended: {@code kind} "reload", "restart" or "recycle"; {@code result} "completed",
     * "failed" or "aborted".
     */
    default void replacementEnded(String kind, String result) {
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
