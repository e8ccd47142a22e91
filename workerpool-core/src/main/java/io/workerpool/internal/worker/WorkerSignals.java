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
        handle("TERM", new Handler(stopRequests, false));
        handle("INT", new Handler(stopRequests, true));
    }

    private static void handle(String name, Handler handler) {
        try {
            Signal.handle(new Signal(name), handler);
        } catch (IllegalArgumentException e) {
            System.err.println("workerpool: cannot handle SIG" + name + " in this worker JVM: " + e.getMessage());
        }
    }

    /** A class, not lambdas: each lambda spins a hidden class on the worker's boot path. */
    private static final class Handler implements sun.misc.SignalHandler {
        private final StopRequests stopRequests;
        private final boolean interrupt;

        Handler(StopRequests stopRequests, boolean interrupt) {
            this.stopRequests = stopRequests;
            this.interrupt = interrupt;
        }

        @Override
        public void handle(Signal signal) {
            if (interrupt) {
                stopRequests.requestInterrupt();
            } else {
                stopRequests.requestStop();
            }
        }
    }
}
