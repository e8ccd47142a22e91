package io.workerpool.internal.channel;

/**
 * The thread name a worker's replayed record shows in the master: {@code worker-3 main} for worker 3's
 * {@code main} thread, {@code spare-2 main} for a hot spare before it takes a worker's id. With Logback's default
 * configuration (no logback.xml: {@code [%thread]} in its pattern) a user can tell the workers' lines apart
 * without configuring anything; the id is also in the MDC as {@code worker} for patterns of one's own.
 */
final class WorkerThreadNames {
    private WorkerThreadNames() {
    }

    /** {@code worker-3 main} for worker 3's thread {@code main}; the replay tags each record's thread with it. */
    static String threadName(int workerId, String thread) {
        return prefix(workerId) + (thread == null ? "" : " " + thread);
    }

    static String prefix(int workerId) {
        return workerId < 0 ? "spare" + workerId : "worker-" + workerId;
    }
}
