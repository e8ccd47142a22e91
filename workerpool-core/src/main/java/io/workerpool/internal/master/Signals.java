package io.workerpool.internal.master;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends signals to worker processes. */
final class Signals {
    static final int SIGINT = Posix.SIGINT;
    static final int SIGQUIT = Posix.SIGQUIT;
    static final int SIGTERM = Posix.SIGTERM;

    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private Signals() {
    }

    /**
     * Signals a JVM this master started, through its {@link Process}: once the JDK has reaped it (its exit
     * observed), its pid may belong to another process, so nothing is sent. SIGTERM goes through
     * {@link Process#destroy()}, which makes the same check under the JDK's own lock.
     */
    static void send(Process process, int signal) {
        if (!process.isAlive()) {
            return;
        }
        if (signal == SIGTERM) {
            process.destroy();
            return;
        }
        send(process.pid(), signal);
    }

    /** Best effort: a process that is already gone needs no signal. Only for pids this JVM did not start. */
    static void send(long pid, int signal) {
        if (pid <= 0) {
            return;
        }
        try {
            Posix.kill(pid, signal);
        } catch (PosixException e) {
            if (!"ESRCH".equals(e.errnoName())) {
                LOG.warn("could not send signal {} to pid {}: {}", signal, pid, e.getMessage());
            }
        }
    }
}
