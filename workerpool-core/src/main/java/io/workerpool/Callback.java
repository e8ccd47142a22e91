package io.workerpool;

/**
 * A piece of user code run at a lifecycle point: {@link Worker#onStart}, {@link Worker#onShutdown},
 * {@link Supervisor#onStart}, {@link Supervisor#onShutdown}. Callbacks run in registration order;
 * an exception from one is logged with its stack trace and the next one still runs.
 */
@FunctionalInterface
public interface Callback {
    /** Runs the callback. */
    void run() throws Exception;
}
