package io.workerpool.internal.worker.logging;

import java.util.Map;

/**
 * The worker runtime's handle on log forwarding in a worker JVM: records logged through SLF4J (with
 * {@link ForwardingServiceProvider} as the provider) or {@code java.util.logging} (with
 * {@link JulForwardingHandler} installed) go to the master instead of being printed.
 *
 * <p>Until {@link #connect} records are kept, up to {@value #BUFFER_CAPACITY}, and every logger is at
 * TRACE; later ones are dropped and counted, and a WARN record reports the count once connected.
 */
public final class LogForwarding {
    /** How many records are kept until the worker is connected to its master. */
    public static final int BUFFER_CAPACITY = 10_000;

    private static final LogForwarder FORWARDER = new LogForwarder(BUFFER_CAPACITY, LogForwarder.Batching.DEFAULT);

    static {
        FORWARDER.flushAtExit();
    }

    private LogForwarding() {
    }

    /**
     * Starts forwarding to the master: the records kept so far are sent in order, and the master is asked,
     * through {@link LogSink#queryLevels}, for the level of each logger known so far (and later of each
     * logger created afterwards). A logger forwards everything until the master's answer for its name
     * arrives, and the master drops what its levels don't enable; a logger whose query can't be sent takes
     * {@code rootLevel}. Call once, after the master's {@code Welcome}.
     *
     * @param sink the worker channel
     * @param rootLevel {@code Welcome.rootLevel()}: the lowest SLF4J level ({@code Level.toInt()}) enabled
     *                  on the master's root logger, or {@code Message.LEVEL_OFF}
     * @throws IllegalStateException when already connected
     */
    public static void connect(LogSink sink, int rootLevel) {
        FORWARDER.connect(sink, rootLevel);
    }

    /**
     * Applies the master's answer to a level query ({@code LevelReply.levels()}): each named logger
     * forwards from that SLF4J level up ({@code Message.LEVEL_OFF}: nothing). Unknown names are ignored.
     * Safe from any thread, typically the one that reads the worker channel.
     */
    public static void applyLevels(Map<String, Integer> levels) {
        FORWARDER.applyLevels(levels);
    }

    /**
     * Sends the records batched so far (records are grouped after {@link #connect}: up to 8 KiB, sent within
     * 5 ms), returning once the sink took them. The worker runtime calls it before its other messages, so
     * that they follow the records logged before them, and before it closes the channel.
     */
    public static void flush() {
        FORWARDER.flush();
    }

    /**
     * How many records were not delivered: beyond the buffer before connecting, failed sends (the master
     * gone), and records logged from inside the sink itself.
     */
    public static long droppedCount() {
        return FORWARDER.droppedCount();
    }

    /** The worker JVM's forwarder, shared by the SLF4J provider and the JUL handler. */
    static LogForwarder forwarder() {
        return FORWARDER;
    }
}
