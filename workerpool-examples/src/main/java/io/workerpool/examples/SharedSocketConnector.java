package io.workerpool.examples;

import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Jetty connector for a listening socket shared by several worker JVMs: one acceptor thread per worker
 * (Jetty's default is up to 4 on a large machine: several blocked in accept(2) in one JVM only compete with
 * each other), and optional accept pacing, off by default: with {@code -Dworkerpool.example.acceptPauseMicros=N}
 * the acceptor steps aside for N µs after each accept while this worker holds more than {@link #PACE_ABOVE}
 * open connections.
 *
 * <p>Why pacing was tried: the workers' acceptors block in accept(2) on the same kernel socket, and the kernel
 * wakes one per incoming connection, in turn (FIFO). But a burst of connections (a client opening its pool of
 * keep-alive connections) queues faster than the woken acceptors of the other JVMs get a CPU, and the acceptor
 * already running returns to accept(2), finds the queue full and takes it all. Measured with {@code wrk -c20}
 * against 3 workers on 2 cores under a load average near 20: one worker held 12 to 20 of the 20 connections
 * without pacing, and pacing of 0.5 or 2 ms did not even it out reliably at that load (the other acceptors
 * did not get a CPU within the pause). Hence off until measured on a quiet machine.
 */
final class SharedSocketConnector extends ServerConnector {
    /** Open connections this worker holds before its acceptor starts pausing between accepts. */
    static final int PACE_ABOVE = 2;

    /** The pause after an accept (zero: none), from {@code workerpool.example.acceptPauseMicros}. */
    static final Duration PAUSE = Duration.ofNanos(Long.getLong("workerpool.example.acceptPauseMicros", 0) * 1000);

    SharedSocketConnector(Server server) {
        // One acceptor: several blocked in accept(2) in one JVM would only compete with each other.
        super(server, 1, -1);
    }

    @Override
    public void accept(int acceptorID) throws IOException {
        super.accept(acceptorID);
        if (!PAUSE.isZero() && getConnectedEndPoints().size() > PACE_ABOVE) {
            try {
                Thread.sleep(PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the connector is stopping: Jetty ends the acceptor
            }
        }
    }
}
