package io.workerpool.examples;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smallest pool: a master JVM keeps two worker JVMs alive, and each worker logs "tick" once a second
 * until the pool stops. Shows a {@link Worker} subclass, {@link Supervisor#main()}, and the master's
 * start/shutdown callbacks. Run: {@code ./run-example quickstart}; stop: Ctrl-C.
 */
public final class Quickstart {
    private static final Logger log = LoggerFactory.getLogger(Quickstart.class);

    /** The work of one worker JVM. */
    static final class TickWorker extends Worker {
        TickWorker(int id) {
            super(id);
        }

        @Override
        protected void main() {
            // isRunning() turns false on a graceful stop (SIGTERM): short sleeps notice it within a second.
            while (isRunning()) {
                logger().info("tick from pid {}", ProcessHandle.current().pid()); // the master prints it
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return; // Ctrl-C interrupts the sleep: time to go
                }
            }
        }
    }

    public static void main(String[] args) {
        // This main runs in the master and again, re-launched, in each worker JVM.
        Supervisor pool = Supervisor.builder(TickWorker::new).workers(2).build();
        pool.onStart(() -> log.info("pool starting"));   // master only
        pool.onShutdown(() -> log.info("pool stopped")); // master only, after the last worker exited
        pool.main(); // master: runs the pool until Ctrl-C or SIGTERM; worker: runs one TickWorker
    }
}
