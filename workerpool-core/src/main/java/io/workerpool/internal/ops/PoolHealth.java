package io.workerpool.internal.ops;

import io.workerpool.internal.metrics.PoolSnapshot;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code /healthz} (liveness) and {@code /readyz} (readiness) answer, decided from the loop's last
 * {@link PoolSnapshot} alone. Liveness is about the master itself: its loop must have run a check recently,
 * so a wedged master fails the probe even though its HTTP threads still answer. Readiness is about serving:
 * the pool runs and enough of its workers do.
 */
final class PoolHealth {
    /** The floor of the liveness window: a loaded machine or a long GC pause must not look like a stuck loop. */
    private static final Duration MIN_LIVENESS_WINDOW = Duration.ofSeconds(5);

    /** An HTTP status and a one-line body. */
    record Answer(int status, String body) {
    }

    private PoolHealth() {
    }

    /** How long the loop may go without a check before the master is reported stuck: 3 check intervals, at least 5 s. */
    static Duration livenessWindow(Duration checkInterval) {
        Duration three = checkInterval.multipliedBy(3);
        return three.compareTo(MIN_LIVENESS_WINDOW) > 0 ? three : MIN_LIVENESS_WINDOW;
    }

    /**
     * @param lastCheckNanos when the loop last ran its periodic check (or began to run)
     */
    static Answer liveness(PoolSnapshot snapshot, long lastCheckNanos, long nowNanos, Duration window) {
        return switch (snapshot.state()) {
            // No loop to check yet (the master's onStart callbacks run), or no more (it is releasing what it held).
            case "NEW", "STARTING" -> new Answer(200, "ok: the pool is starting");
            case "STOPPED" -> new Answer(200, "ok: the pool has stopped, the master is exiting");
            default -> {
                long silence = nowNanos - lastCheckNanos;
                if (silence > window.toNanos()) {
                    yield new Answer(503, "not live: the master's loop has not run its check for " + seconds(silence)
                            + " (limit " + seconds(window.toNanos()) + "): it is stuck");
                }
                yield new Answer(200, "ok: the pool is " + snapshot.state().toLowerCase(Locale.ROOT)
                        + ", last check " + seconds(silence) + " ago");
            }
        };
    }

    static Answer readiness(PoolSnapshot snapshot) {
        return switch (snapshot.state()) {
            case "RUNNING" -> snapshot.ready()
                    ? new Answer(200, "ready: " + snapshot.running() + " of " + snapshot.workers()
                            + " workers running, need " + snapshot.needed())
                    : new Answer(503, "not ready: " + snapshot.running() + " of " + snapshot.workers()
                            + " workers running, need " + snapshot.needed());
            case "STOPPING" -> new Answer(503, "not ready: the pool is stopping");
            case "STOPPED" -> new Answer(503, "not ready: the pool has stopped");
            default -> new Answer(503, "not ready: the pool is starting");
        };
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
