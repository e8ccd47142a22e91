package io.workerpool.internal.core;

import io.workerpool.internal.wire.ExitCodes;
import java.time.Duration;

/**
 * How long to wait before replacing a worker that exited. A worker that ran for at least
 * {@link #STABLE_UPTIME} after it reported started is replaced at once; one that keeps dying sooner is replaced with exponential
 * backoff, so a crash loop can't burn the machine. A boot error (the worker could not even be built) is a
 * configuration error, not a crash: its backoff starts higher.
 */
final class RestartPolicy {
    static final Duration STABLE_UPTIME = Duration.ofSeconds(1);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration FIRST_BOOT_ERROR_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** After this many boot errors in a row, a worker id is given up on: its configuration is broken. */
    static final int MAX_BOOT_ERRORS_IN_A_ROW = 5;

    private RestartPolicy() {
    }

    /**
     * @param quickExitsInARow how many exits in a row, this one included, came before {@link #STABLE_UPTIME};
     *                         0 when this one came after it
     */
    static Duration delay(int quickExitsInARow, int exitStatus) {
        if (quickExitsInARow == 0) {
            return Duration.ZERO;
        }
        Duration first = exitStatus == ExitCodes.BOOT_ERROR ? FIRST_BOOT_ERROR_BACKOFF : FIRST_BACKOFF;
        int doublings = Math.min(quickExitsInARow - 1, 20);
        Duration delay = first.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
    }
}
