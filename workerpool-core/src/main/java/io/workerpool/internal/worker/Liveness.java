package io.workerpool.internal.worker;

/**
 * Opt-in liveness from the worker's own code ({@link io.workerpool.Worker#alive()}): once the worker has
 * called it, the heartbeat thread ({@link MasterLink}) sends heartbeats only while the last call is recent
 * enough, so that a worker whose own loop hangs (a deadlocked {@code main}) goes silent and the master's stale
 * check (workerTimeout: thread dump, then kill, then restart) replaces it. A worker that never calls it beats
 * from the library thread alone, as before.
 */
public final class Liveness {
    /** System.nanoTime() of the last alive() call; 0 until the first. */
    private static volatile long lastAliveNanos;
    private static volatile boolean warned;

    private Liveness() {
    }

    /** Called from the worker's own loop. Cheap: one volatile write. */
    public static void alive() {
        long now = System.nanoTime();
        lastAliveNanos = now == 0 ? 1 : now;
        warned = false;
    }

    /**
     * True when the worker opted in and its loop has been silent for longer than {@code windowNanos}: the
     * heartbeat holds back. Says so once on stderr (which the master does not parse), per silence.
     */
    static boolean silentFor(long windowNanos, int workerId) {
        long last = lastAliveNanos;
        if (last == 0) {
            return false;
        }
        long silence = System.nanoTime() - last;
        if (silence <= windowNanos) {
            return false;
        }
        if (!warned) {
            warned = true;
            System.err.println("workerpool: worker " + workerId + ": Worker.alive() not called for "
                    + silence / 1_000_000 + " ms: its heartbeats stop, so that the master replaces it if it stays"
                    + " silent");
        }
        return true;
    }
}
