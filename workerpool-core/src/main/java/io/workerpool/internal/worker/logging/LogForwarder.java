package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * Where a worker's log records go: the registry of {@link ForwardingLogger}s with their thresholds, and
 * the delivery of records to a {@link LogSink} (the control channel to the master).
 *
 * <p>Before {@link #connect} there is no master to ask for levels or to send to: every logger forwards
 * everything (the master filters on replay) and records wait, in order, in a buffer of fixed capacity;
 * beyond it they are counted and dropped, and the count is reported once connected. A logger keeps forwarding
 * everything until the master's answer to the query for its name arrives: holding records back on a guess
 * (the root level) would lose, for good, those the master's configuration enables for that name. After
 * {@code connect} records go straight to the sink on the logging thread. The sink blocks while the master
 * is slow to read: the worker slows down rather than the master's memory, or a queue here, growing.
 *
 * <p>A record never throws into the code that logs: a failed send is counted in {@link #droppedCount()}.
 *
 * <p>One instance serves a worker JVM (see {@link LogForwarding}); tests make their own.
 */
final class LogForwarder implements ILoggerFactory {
    /** The logger for the forwarding's own messages, as for the worker-side library's other messages. */
    static final String OWN_LOGGER_NAME = "io.workerpool.Worker";

    // Set while this thread is inside the sink. A record logged from there (say, by JDK code under the
    // socket write, through java.util.logging) would start a frame in the middle of another, so it is
    // dropped instead. Shared by all instances: there is one sink per thread stack at most.
    private static final ThreadLocal<Boolean> IN_SINK = new ThreadLocal<>();

    private static final int NAMES_PER_QUERY = 1000;

    private final int bufferCapacity;
    private final ConcurrentHashMap<String, ForwardingLogger> loggers = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();

    // Guards the buffer and the switch from buffering to sending; never taken once connected.
    private final ReentrantLock connectLock = new ReentrantLock();
    private final ArrayDeque<ForwardedLogRecord> buffer = new ArrayDeque<>();
    private long droppedWhileBuffering;

    private volatile LogSink sink;
    // The threshold of a logger whose level could not be asked for: the master's root level once connected.
    private volatile int defaultThreshold = LocationAwareLogger.TRACE_INT;

    LogForwarder(int bufferCapacity) {
        if (bufferCapacity < 0) {
            throw new IllegalArgumentException("bufferCapacity must be >= 0, got " + bufferCapacity);
        }
        this.bufferCapacity = bufferCapacity;
    }

    /**
     * The logger of that name, created on first use. It forwards everything until the master has answered
     * for its name: a logger created after {@link #connect} has its name sent to the master at once, and the
     * answer arrives through {@link #applyLevels}.
     */
    @Override
    public Logger getLogger(String name) {
        return forwardingLogger(name);
    }

    ForwardingLogger forwardingLogger(String name) {
        String key = name == null ? Logger.ROOT_LOGGER_NAME : name;
        ForwardingLogger existing = loggers.get(key);
        if (existing != null) {
            return existing;
        }
        ForwardingLogger created = new ForwardingLogger(key, LocationAwareLogger.TRACE_INT, this);
        existing = loggers.putIfAbsent(key, created);
        if (existing != null) {
            return existing;
        }
        // The logger is registered before the sink is read, and connect() publishes the sink before it
        // walks the registry: so either connect() finds this logger, or this thread sees the sink.
        LogSink current = sink;
        if (current != null && !queryLevels(current, List.of(key))) {
            created.setThreshold(defaultThreshold);
        }
        return created;
    }

    /**
     * Starts sending to the sink: sends the buffered records in order, then a WARN record if some were
     * dropped, then asks the master for the level of every logger known so far. Loggers keep forwarding
     * everything until the answer arrives; {@code rootLevel} is the threshold of those whose query could not
     * be sent.
     *
     * @throws IllegalStateException when already connected
     */
    void connect(LogSink newSink, int rootLevel) {
        if (newSink == null) {
            throw new NullPointerException("sink");
        }
        connectLock.lock();
        try {
            if (sink != null) {
                throw new IllegalStateException("log forwarding is already connected to " + sink);
            }
            defaultThreshold = rootLevel;
            // Holding the lock keeps records logged meanwhile waiting in forward(), so they follow the
            // buffered ones instead of overtaking them.
            boolean sinkFailed = false;
            while (!buffer.isEmpty()) {
                ForwardedLogRecord record = buffer.poll();
                if (sinkFailed) {
                    dropped.increment();
                } else {
                    sinkFailed = !send(newSink, record);
                }
            }
            if (droppedWhileBuffering > 0 && !sinkFailed) {
                send(newSink, droppedRecordsWarning(droppedWhileBuffering));
            }
            sink = newSink;
        } finally {
            connectLock.unlock();
        }
        List<String> names = new ArrayList<>(loggers.keySet());
        // In slices, so that an application with very many loggers doesn't exceed the frame limit.
        for (int from = 0; from < names.size(); from += NAMES_PER_QUERY) {
            List<String> slice = names.subList(from, Math.min(names.size(), from + NAMES_PER_QUERY));
            if (!queryLevels(newSink, slice)) {
                slice.forEach(name -> loggers.get(name).setThreshold(rootLevel));
            }
        }
    }

    /** Sets the threshold of each named logger that exists; other names are ignored. */
    void applyLevels(Map<String, Integer> levels) {
        levels.forEach((name, level) -> {
            ForwardingLogger logger = loggers.get(name);
            if (logger != null && level != null) {
                logger.setThreshold(level);
            }
        });
    }

    /** Whether a record at this SLF4J level from that logger is wanted by the master (as far as known). */
    boolean isEnabled(String loggerName, int level) {
        return forwardingLogger(loggerName).isEnabled(level);
    }

    /** Sends the record, or buffers it before {@link #connect}. Never throws. */
    void forward(ForwardedLogRecord record) {
        if (IN_SINK.get() != null) {
            dropped.increment();
            return;
        }
        LogSink current = sink;
        if (current == null) {
            connectLock.lock();
            try {
                current = sink;
                if (current == null) {
                    if (buffer.size() < bufferCapacity) {
                        buffer.add(record);
                    } else {
                        droppedWhileBuffering++;
                        dropped.increment();
                    }
                    return;
                }
            } finally {
                connectLock.unlock();
            }
        }
        send(current, record);
    }

    /** Records that were not delivered: buffer overflow before connecting, failed sends, and re-entry. */
    long droppedCount() {
        return dropped.sum();
    }

    boolean isConnected() {
        return sink != null;
    }

    /** @return whether the sink took the record */
    private boolean send(LogSink target, ForwardedLogRecord record) {
        IN_SINK.set(Boolean.TRUE);
        try {
            try {
                target.send(record);
            } catch (ProtocolException tooLarge) {
                // The one protocol error a well-formed record can cause is a frame over the size limit
                // (a huge message or a deep chain of long stack traces): send it cut down rather than lose it.
                target.send(RecordTruncation.truncate(record));
            }
            return true;
        } catch (IOException | RuntimeException e) {
            // The master is gone or the record can't be sent; nothing may throw into the logging code.
            dropped.increment();
            return false;
        } finally {
            IN_SINK.remove();
        }
    }

    /** @return whether the query was sent; without an answer to come, the caller sets the root level */
    private boolean queryLevels(LogSink target, List<String> names) {
        if (IN_SINK.get() != null) {
            return false; // created from inside the sink
        }
        IN_SINK.set(Boolean.TRUE);
        try {
            target.queryLevels(names);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            IN_SINK.remove();
        }
    }

    private ForwardedLogRecord droppedRecordsWarning(long count) {
        Thread current = Thread.currentThread();
        return new ForwardedLogRecord(System.currentTimeMillis(), LocationAwareLogger.WARN_INT, OWN_LOGGER_NAME,
                current.getName(), count + " log records emitted before this worker connected to its master "
                        + "were dropped: at most " + bufferCapacity + " are kept until then",
                null, null);
    }
}
