package io.workerpool;

import java.time.Duration;

/**
 * A snapshot of one worker id in a running pool, from {@link Supervisor#status()}.
 *
 * <p>The JVM figures ({@code heapUsedBytes} to {@code pssBytes}) come from the worker's latest heartbeat, which
 * carries a sample of its JVM from its second heartbeat on; each is -1 until then, for a JVM that could not
 * read it, and without a JVM.
 *
 * @param id the worker id
 * @param pid the pid of the JVM serving it, or -1 while it waits for a restart
 * @param state STARTING, RUNNING, STOPPING, or BACKOFF (exited, restart pending)
 * @param uptime time since its JVM started, or zero
 * @param restarts how many times this id was restarted after an unexpected exit
 * @param lastExit how its previous JVM ended ("exit status 1", "signal 9 (SIGKILL)"), or empty
 * @param heartbeatAge time since the worker last showed life on its worker channel
 * @param rssBytes resident memory of its JVM, or -1 when unknown
 * @param heapUsedBytes heap in use in its JVM
 * @param heapCommittedBytes heap committed in its JVM
 * @param gcCount garbage collections since its JVM started
 * @param gcShare share of time its JVM spent in GC between its last two samples (since start when there is one
 *                sample), in [0, 1], or -1
 * @param threads live threads of its JVM
 * @param pssBytes proportional set size of its JVM: resident memory with shared pages divided among the
 *                 processes sharing them, which is what recycling on memory should look at
 */
public record WorkerStatus(int id, long pid, String state, Duration uptime, int restarts, String lastExit,
                           Duration heartbeatAge, long rssBytes, long heapUsedBytes, long heapCommittedBytes,
                           long gcCount, double gcShare, long threads, long pssBytes) {

    /** A status without JVM figures (all -1), as before heartbeats carried them. */
    public WorkerStatus(int id, long pid, String state, Duration uptime, int restarts, String lastExit,
                        Duration heartbeatAge, long rssBytes) {
        this(id, pid, state, uptime, restarts, lastExit, heartbeatAge, rssBytes, -1, -1, -1, -1, -1, -1);
    }

    /** This status with the JVM figures replaced. */
    public WorkerStatus withJvm(long heapUsedBytes, long heapCommittedBytes, long gcCount, double gcShare,
            long threads, long pssBytes) {
        return new WorkerStatus(id, pid, state, uptime, restarts, lastExit, heartbeatAge, rssBytes, heapUsedBytes,
                heapCommittedBytes, gcCount, gcShare, threads, pssBytes);
    }
}
