package io.workerpool.bench;

import java.nio.file.Path;

/**
 * A pre-fork server whose restart, cold start and footprint are measured: workerpool itself, Node.js
 * cluster, gunicorn. Each appends a stamp ({@code <id> <pid> <epoch nanos>}) to a file when a worker is
 * ready, and restarts a worker that dies.
 */
interface PoolPeer {
    /** The column it fills. */
    String name();

    /** Why it can't run here (program missing, ...), or null when it can. */
    String unavailableReason(BenchContext context);

    /** Its version, for the report. */
    String version(BenchContext context);

    /** What "ready" means for a worker of this peer, for the notes. */
    String readyMeans();

    /** Starts a pool of {@code workers} that stamps into {@code stamps}; those that serve HTTP listen on port. */
    Child launch(BenchContext context, int workers, int port, Path stamps, String tag);
}
