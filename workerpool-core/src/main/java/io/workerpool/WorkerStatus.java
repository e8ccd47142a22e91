package io.workerpool;

import java.time.Duration;

/**
 * A snapshot of one worker id in a running pool, from {@link Supervisor#status()}.
 *
 * @param id the worker id
 * @param pid the pid of the JVM serving it, or -1 while it waits for a restart
 * @param state STARTING, RUNNING, STOPPING, or BACKOFF (exited, restart pending)
 * @param uptime time since its JVM started, or zero
 * @param restarts how many times this id was restarted after an unexpected exit
 * @param lastExit how its previous JVM ended ("exit status 1", "signal 9 (SIGKILL)"), or empty
 * @param heartbeatAge time since the worker last showed life on its control channel
 * @param rssBytes resident memory of its JVM, or -1 when unknown
 */
public record WorkerStatus(int id, long pid, String state, Duration uptime, int restarts, String lastExit,
                           Duration heartbeatAge, long rssBytes) {
}
