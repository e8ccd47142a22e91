package io.workerpool.internal.master;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends signals to worker processes. */
final class Signals {
    static final int SIGINT = 2;
    static final int SIGQUIT = 3;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;

    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private Signals() {
    }

    static void send(long pid, int signal) {
        if (pid <= 0) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (Exception e) {
            LOG.warn("could not send signal {} to pid {}: {}", signal, pid, e.toString());
        }
    }
}
