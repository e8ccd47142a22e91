package io.workerpool.internal.core;

import java.util.Objects;

/**
 * How an operation on the pool (reload, restart of one worker, scale) ended: what the futures returned by
 * {@code Pool.reloadAsync()}, {@code restartWorkerAsync(id)} and {@code scaleAsync(n)} complete with. A future
 * never completes exceptionally for a refusal or an abort; it completes with the outcome and its reason.
 *
 * @param kind    done, refused (never started: the pool is not running, another reload runs, a bad argument)
 *                or aborted (started, then given up: a new worker failed, the pool began to stop)
 * @param message what happened, one line, for a log or the command line
 */
public record Outcome(Kind kind, String message) {
    public enum Kind {
        DONE, REFUSED, ABORTED
    }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    public static Outcome done(String message) {
        return new Outcome(Kind.DONE, message);
    }

    public static Outcome refused(String reason) {
        return new Outcome(Kind.REFUSED, reason);
    }

    public static Outcome aborted(String reason) {
        return new Outcome(Kind.ABORTED, reason);
    }

    public boolean isDone() {
        return kind == Kind.DONE;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
