package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.MDC;
import org.slf4j.spi.LocationAwareLogger;

/**
 * A {@code java.util.logging} handler that forwards records to the master, like the worker's SLF4J
 * loggers do. It hands records straight to {@link LogForwarding}, not to SLF4J, so that no bridge in
 * either direction can make a loop.
 *
 * <p>Levels map as SEVERE→ERROR, WARNING→WARN, INFO and CONFIG→INFO, FINE→DEBUG, FINER and
 * FINEST→TRACE. A record also has to pass the master's level for its logger name, as SLF4J records do.
 * JUL's own logger levels still apply first (by default INFO on the root logger); this handler does not
 * change them.
 */
public final class JulForwardingHandler extends Handler {
    // formatMessage() is the JDK's own parameter substitution and resource-bundle lookup, and keeps no
    // state, so one instance serves all threads.
    private static final Formatter MESSAGE_FORMAT = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return formatMessage(record);
        }
    };

    private final LogForwarder forwarder;

    /** A handler that forwards through the worker JVM's {@link LogForwarding}. */
    public JulForwardingHandler() {
        this(LogForwarding.forwarder());
    }

    JulForwardingHandler(LogForwarder forwarder) {
        this.forwarder = forwarder;
        setLevel(Level.ALL);
    }

    /**
     * Makes this handler the only one on the JUL root logger: the existing ones (the default
     * {@code ConsoleHandler}) are removed, not closed, so that nothing is printed twice. Calling it again
     * changes nothing.
     */
    public static synchronized void install() {
        Logger root = LogManager.getLogManager().getLogger("");
        boolean installed = false;
        for (Handler handler : root.getHandlers()) {
            if (handler instanceof JulForwardingHandler) {
                installed = true;
            } else {
                root.removeHandler(handler);
            }
        }
        if (!installed) {
            root.addHandler(new JulForwardingHandler());
        }
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        int level = slf4jLevel(record.getLevel());
        String loggerName = loggerName(record);
        if (!forwarder.isEnabled(loggerName, level)) {
            return;
        }
        forwarder.forward(new ForwardedLogRecord(record.getMillis(), level, loggerName, threadName(record),
                MESSAGE_FORMAT.formatMessage(record), MDC.getCopyOfContextMap(),
                ForwardingLogger.capture(record.getThrown())));
    }

    /** The SLF4J level ({@code Level.toInt()}) of a JUL level, by its numeric value. */
    static int slf4jLevel(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return LocationAwareLogger.ERROR_INT;
        } else if (value >= Level.WARNING.intValue()) {
            return LocationAwareLogger.WARN_INT;
        } else if (value >= Level.CONFIG.intValue()) {
            return LocationAwareLogger.INFO_INT;
        } else if (value >= Level.FINE.intValue()) {
            return LocationAwareLogger.DEBUG_INT;
        } else {
            return LocationAwareLogger.TRACE_INT;
        }
    }

    private static String loggerName(LogRecord record) {
        String name = record.getLoggerName();
        // JUL's root logger is "" and anonymous loggers have no name; SLF4J calls its root "ROOT".
        return name == null || name.isEmpty() ? org.slf4j.Logger.ROOT_LOGGER_NAME : name;
    }

    private static String threadName(LogRecord record) {
        Thread current = Thread.currentThread();
        // Records are nearly always published on the thread that logged them; a record passed on from
        // elsewhere only carries the thread's id.
        return record.getLongThreadID() == current.threadId()
                ? current.getName()
                : "thread-" + record.getLongThreadID();
    }

    @Override
    public void flush() {
        // Records are sent as they come: nothing is held here.
    }

    @Override
    public void close() {
        // Nothing to release: the worker channel belongs to the worker runtime.
    }
}
