package io.workerpool.examples;

import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Jetty connector for a listening socket shared by several worker JVMs: one acceptor thread, which steps
 * aside for a moment after each accept while this worker holds more open connections than
 * {@link #PACE_ABOVE}.
 *
 * <p>Why: the workers' acceptors block in accept(2) on the same kernel socket, and the kernel wakes one of them
 * per incoming connection, in turn. But a burst of connections (a client opening its pool of keep-alive
 * connections) queues faster than the woken acceptors of the other JVMs get a CPU, and the one acceptor
 * already running returns to accept(2), finds the queue full and takes it all: measured with
 * {@code wrk -c20} against 3 workers on 2 cores, one worker held 16 to 20 of the 20 connections. A short pause
 * after each accept, only while this worker already holds more than a few connections, lets the other
 * workers' acceptors take their share; a worker serving short connections (one request each) never holds
 * that many, so it is never slowed.
 */
final class SharedSocketConnector extends ServerConnector {
    /** Open connections this worker holds before its acceptor starts pausing between accepts. */
    static final int PACE_ABOVE = 2;

    /** The pause: long enough for a woken acceptor of another JVM to run, short against a client's connect. */
    static final Duration PAUSE = Duration.ofNanos(Long.getLong("workerpool.example.acceptPauseMicros", 500) * 1000);

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
