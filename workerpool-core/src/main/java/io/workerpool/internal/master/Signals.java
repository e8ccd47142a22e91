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

    /** Best effort: a process that is already gone needs no signal. */
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
