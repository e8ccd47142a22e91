package io.workerpool.internal.channel;

import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;

/**
 * A worker's record as an SLF4J {@link LoggingEvent}, for backends whose loggers implement
 * {@link org.slf4j.spi.LoggingEventAware}. It carries the worker's timestamp and thread name for a
 * backend that reads them from the event (Logback 1.5 does not: see {@link LogReplay}), and a caller
 * boundary that matches no stack frame, so that backends computing caller data find none ("?") instead of
 * naming the master's replay code.
 */
final class ReplayedLoggingEvent implements LoggingEvent {
    private final Level level;
    private final String loggerName;
    private final String message;
    private final Throwable throwable;
    private final long timeStamp;
    private final String threadName;

    ReplayedLoggingEvent(Level level, String loggerName, String message, Throwable throwable, long timeStamp,
                         String threadName) {
        this.level = level;
        this.loggerName = loggerName;
        this.message = message;
        this.throwable = throwable;
        this.timeStamp = timeStamp;
        this.threadName = threadName;
    }

    @Override
    public Level getLevel() {
        return level;
    }

    @Override
    public String getLoggerName() {
        return loggerName;
    }

    /** The message as the worker formatted it; there are no arguments, so no backend formats it again. */
    @Override
    public String getMessage() {
        return message;
    }

    @Override
    public List<Object> getArguments() {
        return null;
    }

    @Override
    public Object[] getArgumentArray() {
        return null;
    }

    @Override
    public List<Marker> getMarkers() {
        return null;
    }

    @Override
    public List<KeyValuePair> getKeyValuePairs() {
        return null;
    }

    @Override
    public Throwable getThrowable() {
        return throwable;
    }

    @Override
    public long getTimeStamp() {
        return timeStamp;
    }

    @Override
    public String getThreadName() {
        return threadName;
    }

    @Override
    public String getCallerBoundary() {
        return LogReplay.NO_CALLER;
    }
}
