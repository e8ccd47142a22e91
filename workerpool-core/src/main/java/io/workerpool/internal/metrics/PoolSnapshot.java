package io.workerpool.internal.metrics;

import java.util.List;

/**
 * What the pool looked like at one moment, published by the master's loop for the HTTP threads (health
 * endpoints, metrics), which read only this and never the pool's own state. Immutable.
 *
 * @param state the pool's state: NEW, STARTING, RUNNING, STOPPING or STOPPED
 * @param takenNanos when it was taken, on {@link System#nanoTime()}'s clock
 * @param workers worker ids in the pool, not counting those being removed
 * @param running how many of those run (reported started and not asked to stop)
 * @param needed how many must run for the pool to be ready (readyShare of {@code workers}, rounded up)
 * @param samples one per worker id in the pool
 * @param spares warm hot spare JVMs
 */
public record PoolSnapshot(String state, long takenNanos, int workers, int running, int needed,
        List<WorkerSample> samples, int spares) {

    /**
     * One worker id.
     *
     * @param state STARTING, RUNNING, STOPPING, BACKOFF or FAILED
     * @param heartbeatAgeNanos time since its JVM last showed life on its worker channel, or -1 without a JVM
     */
    public record WorkerSample(int id, String state, long heartbeatAgeNanos) {
    }

    public PoolSnapshot {
        samples = List.copyOf(samples);
    }

    /** Before the loop runs: no worker yet. */
    public static PoolSnapshot starting(int workers, int needed) {
        return new PoolSnapshot("STARTING", System.nanoTime(), workers, 0, needed, List.of(), 0);
    }

    /** Ready to serve: the pool runs and enough of its workers do. */
    public boolean ready() {
        return state.equals("RUNNING") && running >= needed;
    }

    /** How many workers must run, out of {@code workers}, for this share: rounded up, at least 1. */
    public static int needed(int workers, double share) {
        // the epsilon keeps 0.7 x 10 (7.000000000000001) at 7
        return Math.max(1, (int) Math.ceil(workers * share - 1e-9));
    }
}
