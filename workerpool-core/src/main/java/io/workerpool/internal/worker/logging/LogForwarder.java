package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * Where a worker's log records go: the registry of {@link ForwardingLogger}s with their thresholds, and
 * the delivery of records to a {@link LogSink} (the worker channel to the master).
 *
 * <p>Before {@link #connect} there is no master to ask for levels or to send to: every logger forwards
 * everything (the master filters on replay) and records wait, in order, in a buffer of fixed capacity;
 * beyond it they are counted and dropped, and the count is reported once connected. A logger keeps forwarding
 * everything until the master's answer to the query for its name arrives: holding records back on a guess
 * (the root level) would lose, for good, those the master's configuration enables for that name. After
 * {@code connect} records go straight to the sink on the logging thread, or, with {@link Batching}, are
 * grouped: a batch goes to the sink, on the logging thread that fills it, once it holds
 * {@link Batching#maxRecords()} records or about {@link Batching#maxBytes()} bytes, and otherwise from a
 * flusher thread at most {@link Batching#lingerNanos()} after its first record (or at {@link #flush()}). The
 * sink blocks while the master is slow to read: the worker slows down rather than the master's memory, or a
 * queue here, growing (one batch being written and one filling, plus a record per logging thread at most).
 * Records keep the order in which they were logged: batches are cut and sent under one lock.
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

    /**
     * How records are grouped after connect. What a worker killed by SIGKILL can lose is what one batch holds:
     * at most {@code maxRecords} records, about {@code maxBytes} bytes, logged within the last
     * {@code lingerNanos}, as a buffered file appender loses its buffer.
     */
    record Batching(int maxRecords, int maxBytes, long lingerNanos) {
        /** 8 KiB (a buffered appender's buffer) or 256 records, and 5 ms at most. */
        static final Batching DEFAULT = new Batching(256, 8192, 5_000_000L);

        Batching {
            if (maxRecords < 1 || maxBytes < 1 || lingerNanos < 0) {
                throw new IllegalArgumentException("bad batching " + maxRecords + ", " + maxBytes + ", " + lingerNanos);
            }
        }
    }

    /** What a record adds to a batch's size on top of its strings, roughly: fixed fields and framing. */
    private static final int RECORD_OVERHEAD_BYTES = 32;
    /** What a throwable adds to a batch's size, as a guess (a stack trace is a few KiB). */
    private static final int THROWABLE_BYTES = 4096;

    private final int bufferCapacity;
    private final ConcurrentHashMap<String, ForwardingLogger> loggers = new ConcurrentHashMap<>();
    // AtomicLong, not LongAdder: drops are rare, and LongAdder loads a dozen classes on every worker's boot path.
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

    // Guards the buffer and the switch from buffering to sending; never taken once connected.
    private final ReentrantLock connectLock = new ReentrantLock();
    private final ArrayDeque<ForwardedLogRecord> buffer = new ArrayDeque<>();
    private long droppedWhileBuffering;

    private volatile LogSink sink;
    // The threshold of a logger whose level could not be asked for: the master's root level once connected.
    private volatile int defaultThreshold = LocationAwareLogger.TRACE_INT;

    // Batching (null: each record is sent on its own). Lock order: sendLock, then batchLock.
    private final Batching batching;
    private final ReentrantLock batchLock = new ReentrantLock();
    private final Condition batchStarted = batchLock.newCondition();
    private final ReentrantLock sendLock = new ReentrantLock();
    private ArrayList<ForwardedLogRecord> pending = new ArrayList<>();
    private int pendingBytes;
    private boolean flusherStarted;
    private volatile boolean flushAtExit;

    /** Sends each record on its own, on the thread that logs it. */
    LogForwarder(int bufferCapacity) {
        this(bufferCapacity, null);
    }

    /** Groups records after connect as {@code batching} says (null: each on its own). */
    LogForwarder(int bufferCapacity, Batching batching) {
        if (bufferCapacity < 0) {
            throw new IllegalArgumentException("bufferCapacity must be >= 0, got " + bufferCapacity);
        }
        this.bufferCapacity = bufferCapacity;
        this.batching = batching;
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
                    dropped.incrementAndGet();
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
        // A loop, not forEach with a lambda: the master's first reply arrives on every worker's boot path.
        for (Map.Entry<String, Integer> entry : levels.entrySet()) {
            ForwardingLogger logger = loggers.get(entry.getKey());
            if (logger != null && entry.getValue() != null) {
                logger.setThreshold(entry.getValue());
            }
        }
    }

    /** Whether a record at this SLF4J level from that logger is wanted by the master (as far as known). */
    boolean isEnabled(String loggerName, int level) {
        return forwardingLogger(loggerName).isEnabled(level);
    }

    /** Sends the record, or buffers it before {@link #connect}. Never throws. */
    void forward(ForwardedLogRecord record) {
        if (IN_SINK.get() != null) {
            dropped.incrementAndGet();
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
                        dropped.incrementAndGet();
                    }
                    return;
                }
            } finally {
                connectLock.unlock();
            }
        }
        if (batching == null) {
            send(current, record);
        } else {
            addToBatch(current, record);
        }
    }

    /**
     * Sends the records batched so far, and returns once the sink took them (or failed). A no-op without
     * batching or before {@link #connect}. Never throws.
     */
    void flush() {
        LogSink current = sink;
        if (batching != null && current != null && IN_SINK.get() == null) {
            sendPending(current);
        }
    }

    private void addToBatch(LogSink target, ForwardedLogRecord record) {
        boolean full;
        batchLock.lock();
        try {
            pending.add(record);
            pendingBytes += estimatedBytes(record);
            full = pending.size() >= batching.maxRecords() || pendingBytes >= batching.maxBytes();
            if (!full && pending.size() == 1) {
                if (!flusherStarted) {
                    flusherStarted = true;
                    startFlusher();
                }
                batchStarted.signal();
            }
        } finally {
            batchLock.unlock();
        }
        if (full) {
            sendPending(target);
        }
    }

    /** Cuts the batch and sends it; batches are cut and sent under one lock, so they arrive in order. */
    private void sendPending(LogSink target) {
        sendLock.lock();
        try {
            List<ForwardedLogRecord> batch;
            batchLock.lock();
            try {
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new ArrayList<>(Math.min(batching.maxRecords(), 1024));
                pendingBytes = 0;
            } finally {
                batchLock.unlock();
            }
            sendBatch(target, batch);
        } finally {
            sendLock.unlock();
        }
    }

    /** A daemon thread that sends a batch {@code lingerNanos} after its first record, if no one has by then. */
    private void startFlusher() {
        Thread flusher = new Thread(this::flushLingering, "workerpool-log-flusher");
        flusher.setDaemon(true);
        flusher.start();
        if (flushAtExit) {
            // A worker whose code calls System.exit: the last batch is sent before the JVM ends.
            Runtime.getRuntime().addShutdownHook(new Thread(this::flush, "workerpool-log-flush"));
        }
    }

    /** Sends what is batched when the JVM exits (the JVM's forwarder only: tests make many). */
    void flushAtExit() {
        flushAtExit = true;
    }

    private void flushLingering() {
        try {
            while (true) {
                batchLock.lock();
                try {
                    while (pending.isEmpty()) {
                        batchStarted.await();
                    }
                } finally {
                    batchLock.unlock();
                }
                if (batching.lingerNanos() > 0) {
                    Thread.sleep(java.time.Duration.ofNanos(batching.lingerNanos()));
                }
                sendPending(sink);
            }
        } catch (InterruptedException e) {
            // ends the flusher; flush() and full batches still send
        }
    }

    private static int estimatedBytes(ForwardedLogRecord record) {
        int bytes = RECORD_OVERHEAD_BYTES + length(record.message()) + length(record.loggerName())
                + length(record.threadName());
        if (!record.mdc().isEmpty()) {
            for (Map.Entry<String, String> e : record.mdc().entrySet()) {
                bytes += 8 + length(e.getKey()) + length(e.getValue());
            }
        }
        return record.throwable() == null ? bytes : bytes + THROWABLE_BYTES;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** @return whether the sink took the batch; if not, its records are counted as dropped */
    private boolean sendBatch(LogSink target, List<ForwardedLogRecord> batch) {
        if (batch.size() == 1) {
            return send(target, batch.get(0));
        }
        boolean tooLarge = false;
        IN_SINK.set(Boolean.TRUE);
        try {
            target.sendBatch(batch);
            return true;
        } catch (ProtocolException e) {
            tooLarge = true; // over the frame limit: one by one below, each cut down if it must be
        } catch (IOException | RuntimeException e) {
            dropped.addAndGet(batch.size());
            return false;
        } finally {
            IN_SINK.remove();
        }
        boolean all = tooLarge;
        for (ForwardedLogRecord record : batch) {
            all &= send(target, record);
        }
        return all;
    }

    /** Records that were not delivered: buffer overflow before connecting, failed sends, and re-entry. */
    long droppedCount() {
        return dropped.get();
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
            dropped.incrementAndGet();
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
