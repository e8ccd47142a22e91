package io.workerpool;

/**
 * Thrown by {@link Supervisor#main()} when the pool cannot start: the pidfile is held by another master,
 * the listening address cannot be bound, a stdout/stderr file cannot be opened, or a master
 * {@link Supervisor#onStart} callback failed. Nothing is left running when it is thrown: what had already
 * started is stopped again, in reverse order.
 *
 * <p>The message says what was wrong and what to do. When the cause is the user's setup rather than a bug,
 * the exception carries no stack trace, so an uncaught one prints as a single line.
 */
public class PoolStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A start failure caused by the setup (no stack trace: the message says it all). */
    public PoolStartException(String message) {
        super(message, null, false, false);
    }

    /** A start failure with an underlying cause worth its stack trace. */
    public PoolStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
