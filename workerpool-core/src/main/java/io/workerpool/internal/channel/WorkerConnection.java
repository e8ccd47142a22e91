package io.workerpool.internal.channel;

import io.workerpool.internal.core.WorkerChannel;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The master's end of one worker's channel, after the worker proved who it is.
 *
 * <p>Sending never blocks the caller (the master's loop, or this channel's reader answering a level query):
 * {@link #send} puts the message in a bounded outbox, and a virtual thread of this connection writes the
 * outbox out in order. A worker that does not read its channel fills its socket buffer and then the outbox;
 * when a write has been stuck for {@link #SEND_DEADLINE} ({@link #stuckFor}, checked by the server's
 * watchdog) or the outbox is full, the worker is reported as misbehaved, and killed by the loop.
 */
public final class WorkerConnection implements WorkerChannel {
    /** How long one write to a worker may stay stuck on its full socket buffer. */
    static final Duration SEND_DEADLINE = Duration.ofSeconds(3);
    /** Messages waiting to be written, at most, for replies (the only ones a worker can multiply). */
    static final int MAX_OUTBOX_MESSAGES = 256;
    /** Bytes (estimated) waiting to be written, at most. */
    static final long MAX_OUTBOX_BYTES = 4L << 20;

    /** Changes once, when a hot spare is promoted: its log records are replayed under its new id. */
    private volatile int workerId;
    private final long generation;
    private final long pid;
    private final FrameChannel channel;
    private volatile long lastSeenNanos = System.nanoTime();
    /** The last error the worker logged before it reported started: why it failed to boot, if it did. */
    private volatile String bootError;
    private volatile boolean started;
    private volatile boolean stopping;
    /** Told once why this worker is misbehaving (the server turns it into a WorkerMisbehaved event). */
    private final Consumer<String> misbehaved;

    private final ArrayDeque<Message> outbox = new ArrayDeque<>(); // guarded by outbox
    private long outboxBytes; // guarded by outbox
    private boolean writerRunning; // guarded by outbox
    private boolean closed; // guarded by outbox
    /** A write failed: the worker is gone or broke the connection; nothing more is written, the reader reads on. */
    private boolean writeFailed; // guarded by outbox
    private boolean reported; // guarded by outbox
    /** System.nanoTime() when the write in progress began, 0 when none is. */
    private volatile long writingSince;

    WorkerConnection(int workerId, long generation, long pid, FrameChannel channel, Consumer<String> misbehaved) {
        this.workerId = workerId;
        this.generation = generation;
        this.pid = pid;
        this.channel = channel;
        this.misbehaved = misbehaved;
    }

    int workerId() {
        return workerId;
    }

    @Override
    public void promoteTo(int id) {
        workerId = id;
    }

    long generation() {
        return generation;
    }

    /** The kernel's pid of the peer (SO_PEERCRED), which the hello had to match. */
    long pid() {
        return pid;
    }

    /** Any frame from the worker proves it alive, so a log flood never looks like silence. */
    void touch() {
        lastSeenNanos = System.nanoTime();
    }

    @Override
    public long lastSeenNanos() {
        return lastSeenNanos;
    }

    /**
     * Queues the message for this worker and returns at once: for the master's loop, whose messages (stop,
     * interrupt, assign, reopen) are few and small, so they are queued even past the outbox's bound.
     *
     * @throws ClosedChannelException when the channel is closed
     */
    @Override
    public void send(Message message) throws IOException {
        synchronized (outbox) {
            if (closed || writeFailed) {
                throw new ClosedChannelException();
            }
            enqueue(message);
        }
    }

    /**
     * Queues an answer to the worker's own request (a level reply), from the channel's reader: when the outbox
     * is full, waits for room up to {@link #SEND_DEADLINE}, so that a worker asking faster than it reads slows
     * down its own reader only; past the deadline the worker is reported as misbehaved.
     *
     * @throws IOException when the channel is closed or the worker does not read its channel
     */
    void sendReply(Message message) throws IOException {
        long bytes = estimatedBytes(message);
        long deadline = System.nanoTime() + SEND_DEADLINE.toNanos();
        String why;
        synchronized (outbox) {
            while (true) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (writeFailed) {
                    return; // the worker cannot hear it any more; its reader reads on to the end of its frames
                }
                boolean room = outbox.size() < MAX_OUTBOX_MESSAGES
                        && (outbox.isEmpty() || outboxBytes + bytes <= MAX_OUTBOX_BYTES);
                if (room) {
                    enqueue(message);
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    why = "does not read its worker channel (" + outbox.size() + " messages, " + outboxBytes
                            + " bytes have waited " + SEND_DEADLINE.toMillis() + " ms to be sent to it)";
                    break;
                }
                try {
                    outbox.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting to answer the worker");
                }
            }
        }
        report(why);
        throw new IOException("the worker " + why);
    }

    /** Guarded by outbox. */
    private void enqueue(Message message) {
        outbox.add(message);
        outboxBytes += estimatedBytes(message);
        if (!writerRunning) {
            writerRunning = true;
            Thread.ofVirtual().name("workerpool-channel-writer").start(this::writeOutbox);
        }
    }

    private void writeOutbox() {
        while (true) {
            Message next;
            synchronized (outbox) {
                next = outbox.poll();
                if (next == null || closed) {
                    writerRunning = false;
                    return;
                }
                outboxBytes -= estimatedBytes(next);
                outbox.notifyAll(); // room for a reply waiting in sendReply
            }
            writingSince = System.nanoTime();
            try {
                channel.send(next);
            } catch (IOException e) {
                // The worker exited or broke the connection: the rest of the outbox is moot. The channel stays
                // open: the reader may not have read what the worker sent before (its last log records, its
                // Stopping), and meets the end of the stream, or the same error, by itself. Closing here lost
                // those records when a starved reader was behind.
                synchronized (outbox) {
                    writeFailed = true;
                    outbox.clear();
                    outboxBytes = 0;
                    outbox.notifyAll();
                    writerRunning = false;
                }
                return;
            } finally {
                writingSince = 0;
            }
        }
    }

    /**
     * How long the write in progress has been stuck, in nanoseconds (0 when none is): past
     * {@link #SEND_DEADLINE}, the server reports the worker and closes this channel.
     */
    long stuckFor(long nowNanos) {
        long since = writingSince;
        return since == 0 ? 0 : nowNanos - since;
    }

    /** Tells the server once why this worker misbehaves. */
    void report(String why) {
        synchronized (outbox) {
            if (reported) {
                return;
            }
            reported = true;
        }
        misbehaved.accept(why);
    }

    private static long estimatedBytes(Message message) {
        if (message instanceof Message.LevelReply reply) {
            long bytes = 16;
            for (String name : reply.levels().keySet()) {
                bytes += 8 + (name == null ? 0 : 3L * name.length());
            }
            return bytes;
        }
        return message instanceof Message.ReopenOutput ? 8192 : 64;
    }

    /** Called by the channel's reader for each record, before it is replayed. */
    void noteLogged(int level, String message) {
        if (!started && level >= org.slf4j.spi.LocationAwareLogger.ERROR_INT && message != null) {
            bootError = message;
        }
    }

    /** @return false when the worker said so before: a worker reports started once per JVM */
    boolean noteStarted() {
        if (started) {
            return false;
        }
        started = true;
        return true;
    }

    /** @return false when the worker said so before: a worker's main() ends once per JVM */
    boolean noteStopping() {
        if (stopping) {
            return false;
        }
        stopping = true;
        return true;
    }

    /** The last error logged before "started", or null. */
    @Override
    public String bootError() {
        return bootError;
    }

    FrameChannel channel() {
        return channel;
    }

    /** Closes the channel; a write stuck on it and the reader both wake up with an exception. */
    @Override
    public void close() {
        synchronized (outbox) {
            closed = true;
            outbox.clear();
            outboxBytes = 0;
            outbox.notifyAll();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket whose peer is gone: nothing left to do
        }
    }

    @Override
    public String toString() {
        return "channel of worker " + workerId + " (pid " + pid + ")";
    }
}
