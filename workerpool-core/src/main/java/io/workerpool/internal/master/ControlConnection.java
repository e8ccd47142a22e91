package io.workerpool.internal.master;

import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import java.io.IOException;

/** The master's end of one worker's control channel, after the worker proved who it is. */
final class ControlConnection {
    /** Changes once, when a hot spare is promoted: its log records are replayed under its new id. */
    private volatile int workerId;
    private final long generation;
    private final long pid;
    private final FrameChannel channel;
    private volatile long lastSeenNanos = System.nanoTime();
    /** The last error the worker logged before it reported started: why it failed to boot, if it did. */
    private volatile String bootError;
    private volatile boolean started;

    ControlConnection(int workerId, long generation, long pid, FrameChannel channel) {
        this.workerId = workerId;
        this.generation = generation;
        this.pid = pid;
        this.channel = channel;
    }

    int workerId() {
        return workerId;
    }

    void promoteTo(int id) {
        workerId = id;
    }

    long generation() {
        return generation;
    }

    long pid() {
        return pid;
    }

    /** Any frame from the worker proves it alive, so a log flood never looks like silence. */
    void touch() {
        lastSeenNanos = System.nanoTime();
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    void send(Message message) throws IOException {
        channel.send(message);
    }

    /** Called by the channel's reader for each record, before it is replayed. */
    void noteLogged(int level, String message) {
        if (!started && level >= org.slf4j.spi.LocationAwareLogger.ERROR_INT && message != null) {
            bootError = message;
        }
    }

    void noteStarted() {
        started = true;
    }

    /** The last error logged before "started", or null. */
    String bootError() {
        return bootError;
    }

    FrameChannel channel() {
        return channel;
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket whose peer is gone: nothing left to do
        }
    }

    @Override
    public String toString() {
        return "control channel of worker " + workerId + " (pid " + pid + ")";
    }
}
