package io.workerpool.internal.metrics;

import java.io.IOException;

/**
 * The pool's metrics, implemented by the optional workerpool-metrics module (Prometheus). Counters are fed
 * through these calls, from the master's loop thread and (log records) from its log-reader threads, so an
 * implementation must be thread-safe; gauges are read from the loop's published {@link PoolSnapshot}.
 */
public interface PoolMetrics {
    /** A worker JVM exited; {@code cause} is an {@link ExitCause#label()}. */
    void workerExited(String cause);

    /** A worker is replaced after an exit the master had not asked for. */
    void workerRestarting();

    /** A worker is being recycled; {@code cause} is "age" or "rss". */
    void workerRecycling(String cause);

    /**
     * A rolling replacement ended; {@code kind} is "reload", "restart" or "recycle", {@code result} is
     * "completed", "failed" or "aborted".
     */
    void replacementEnded(String kind, String result);

    /** The master replayed one log record a worker forwarded. Called from log-reader threads, concurrently. */
    void logRecordForwarded();

    /** The metrics in the format the scraper's {@code Accept} header asks for (null: the Prometheus text format). */
    Exposition expose(String acceptHeader) throws IOException;

    /** A scrape's answer. */
    record Exposition(String contentType, byte[] body) {
    }
}
