package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.io.IOException;
import java.util.List;

/**
 * Where a worker's log forwarding writes: the worker runtime implements it over the worker channel,
 * sending {@code Message.Log} and {@code Message.LevelQuery} frames.
 *
 * <p>Both methods are called on the thread that logs, possibly from many threads at once. They may block
 * while the master is slow to read (that is the intended backpressure); they must not queue without bound.
 */
public interface LogSink {
    /**
     * Sends one record to the master.
     *
     * @throws IOException when it can't be sent (the master is gone); the record is then counted as
     *                     dropped. A {@link io.workerpool.internal.wire.ProtocolException} (frame too large)
     *                     makes the forwarding retry once with a shortened record.
     */
    void send(ForwardedLogRecord record) throws IOException;

    /**
     * Sends several records, in order, as one batch (one frame, one write). By default one by one through
     * {@link #send}.
     *
     * @throws IOException when they can't be sent; then none is counted as delivered. A
     *                     {@link io.workerpool.internal.wire.ProtocolException} (frame too large) makes the
     *                     forwarding send them one by one instead.
     */
    default void sendBatch(List<ForwardedLogRecord> records) throws IOException {
        for (ForwardedLogRecord record : records) {
            send(record);
        }
    }

    /**
     * Asks the master which levels it enables for these logger names; the answer is expected later, through
     * {@link LogForwarding#applyLevels}.
     */
    void queryLevels(List<String> loggerNames) throws IOException;
}
