package io.workerpool.internal.worker.logging;

/**
 * Named by {@code -Djava.util.logging.config.class} on a worker JVM's command line, so that
 * {@code java.util.logging} forwards to the master from its first record: also records the program logs
 * before it reaches {@code Supervisor.main()}, which wait in the forwarding buffer until the worker connects.
 * Not used when the program configures JUL itself with {@code java.util.logging.config.class} or
 * {@code java.util.logging.config.file}.
 */
public final class JulBootstrap {
    /** Called by the LogManager while it initialises. */
    public JulBootstrap() {
        JulForwardingHandler.install();
    }
}
