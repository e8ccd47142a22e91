package io.workerpool.spring;

import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Drops the errors Tomcat logs when a stopping worker's copy of the pool's socket is closed under its
 * acceptor. The worker runtime closes that copy as soon as the worker is asked to stop (so that a thread
 * blocked in accept() returns, and connections still queued go to the other workers); Tomcat, which took the
 * same channel as its inherited channel, then logs "Socket accept failed" with a ClosedChannelException, and
 * "Failed to unlock acceptor", until Spring's graceful shutdown pauses it a few milliseconds later. Those
 * records say nothing wrong; the same records from a worker that is not stopping are kept.
 */
final class StoppingServerNoise implements Filter {
    /** Tomcat's loggers (JULI on java.util.logging), held strongly: JUL keeps loggers weakly. */
    private static final List<Logger> TOMCAT_LOGGERS = List.of(
            Logger.getLogger("org.apache.tomcat.util.net.Acceptor"),
            Logger.getLogger("org.apache.tomcat.util.net.NioEndpoint"));

    private final BooleanSupplier stopping;

    private StoppingServerNoise(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    /** Installs the filter on Tomcat's acceptor loggers; {@code stopping} says whether the worker is stopping. */
    static void install(BooleanSupplier stopping) {
        StoppingServerNoise filter = new StoppingServerNoise(stopping);
        for (Logger logger : TOMCAT_LOGGERS) {
            logger.setFilter(filter);
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!stopping.getAsBoolean()) {
            return true;
        }
        boolean closedUnderAccept = record.getThrown() instanceof ClosedChannelException;
        String message = record.getMessage();
        boolean unlockFailed = record.getLevel().intValue() <= Level.WARNING.intValue() && message != null
                && message.startsWith("Failed to unlock acceptor");
        return !closedUnderAccept && !unlockFailed;
    }
}
