package io.workerpool.internal.worker;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT in a worker mean what the master's Stop and Interrupt messages mean. They arrive
 * directly when the whole process group is signalled: Ctrl-C in a terminal, or systemd's control-group
 * kill. Without these handlers the JVM would run its shutdown hooks and exit, skipping the worker's own
 * graceful path.
 */
final class WorkerSignals {
    private WorkerSignals() {
    }

    static void install(StopRequests stopRequests) {
        handle("TERM", stopRequests::requestStop);
        handle("INT", stopRequests::requestInterrupt);
    }

    private static void handle(String name, Runnable action) {
        try {
            Signal.handle(new Signal(name), signal -> action.run());
        } catch (IllegalArgumentException e) {
            System.err.println("workerpool: cannot handle SIG" + name + " in this worker JVM: " + e.getMessage());
        }
    }
}
