package io.workerpool.internal.core;

import io.workerpool.internal.wire.Message;
import java.io.IOException;

/**
 * The master's end of one connected worker's channel, as the core sees it: the core names it in its events and
 * commands and never calls it; the loop's {@code CommandRunner} does. {@code WorkerConnection} is the real one;
 * the simulation passes none.
 */
public interface WorkerChannel {
    void send(Message message) throws IOException;

    /** The last error the worker logged before it started, or null. */
    String bootError();

    /** A promoted spare's records are replayed under its new id from now on. */
    void promoteTo(int workerId);

    /** When the worker last showed life on the channel, on the loop's clock (System.nanoTime). */
    long lastSeenNanos();

    void close();
}
