package io.workerpool.internal.master;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LocationAwareLogger;
import org.slf4j.spi.LoggingEventAware;

/**
 * Re-emits workers' log records through the master's SLF4J backend, under the worker's logger name and
 * level, with its message, MDC (plus {@value #WORKER_MDC_KEY} = the worker id), thread name and
 * throwable (as a {@link RemoteThrowable}).
 *
 * <p>How each part reaches the backend:
 * <ul>
 * <li>Thread name: the replaying thread takes the worker thread's name for the duration of the call, since
 *     backends read it from the current thread (Logback does, when the event is first formatted or
 *     prepared for an async appender). Renaming a platform thread also renames the OS thread, two system
 *     calls per record; renaming a virtual thread is a field write, so replaying on virtual threads is
 *     markedly faster under a flood of records.
 * <li>MDC: likewise set on the replaying thread for the call, then restored.
 * <li>Timestamp: with Logback, the record is replayed as a Logback event carrying the worker's timestamp
 *     and thread name ({@link LogbackEvents}), since Logback's SLF4J entry points stamp the replay time.
 *     Other backends get it on {@link org.slf4j.event.LoggingEvent#getTimeStamp()} when their loggers
 *     implement {@link LoggingEventAware}.
 * <li>Caller data: the worker sends none. The caller boundary given to the backend ({@link #NO_CALLER})
 *     matches no stack frame, so Logback's {@code %C %M %L} print "?" rather than this class.
 * </ul>
 *
 * <p>Thread-safe: readers of several workers may replay at once. Exceptions thrown by the backend itself
 * propagate to the caller.
 */
public final class LogReplay {
    /** The MDC key that carries the id of the worker a record came from. */
    public static final String WORKER_MDC_KEY = "worker";

    /** A caller boundary no class has: backends find no caller frame instead of a misleading one. */
    static final String NO_CALLER = "io.workerpool.internal.master.LogReplay#worker";

    private static final int MAX_CACHED_LOGGERS = 10_000;
    private static final int CACHED_WORKER_IDS = 1024;

    private final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final String[] workerIdText = new String[CACHED_WORKER_IDS];

    /** A replay with an empty logger cache. */
    public LogReplay() {
    }

    /**
     * Emits the record in the master, if the master's logger enables its level; otherwise does nothing.
     *
     * @param workerId the id of the worker that sent the record, put in the MDC as {@value #WORKER_MDC_KEY}
     */
    public void replay(int workerId, ForwardedLogRecord record) {
        Logger logger = logger(record.loggerName());
        Level level = level(record.level());
        if (level == null || !logger.isEnabledForLevel(level)) {
            return;
        }
        record = WorkerThreadNames.tag(workerId, record); // issue 17: "worker-3 main", seen with no configuration
        Throwable throwable = record.throwable() == null ? null : RemoteThrowable.of(record.throwable());
        Thread current = Thread.currentThread();
        String ownName = current.getName();
        String workerThread = record.threadName();
        boolean rename = workerThread != null && !workerThread.equals(ownName);
        Map<String, String> ownMdc = MDC.getCopyOfContextMap();
        try {
            setMdc(record.mdc(), workerIdText(workerId), ownMdc);
            if (rename) {
                current.setName(workerThread);
            }
            emit(logger, level, record, throwable);
        } finally {
            if (rename) {
                current.setName(ownName);
            }
            if (ownMdc == null || ownMdc.isEmpty()) {
                MDC.clear();
            } else {
                MDC.setContextMap(ownMdc);
            }
        }
    }

    /**
     * The lowest SLF4J level ({@code Level.toInt()}) the master's backend enables for that logger, or
     * {@link Message#LEVEL_OFF} when none is: the answer to a worker's level query, and for
     * {@link Logger#ROOT_LOGGER_NAME} the {@code Welcome.rootLevel}.
     */
    public static int lowestEnabledLevel(String loggerName) {
        Logger logger = LoggerFactory.getLogger(loggerName == null ? Logger.ROOT_LOGGER_NAME : loggerName);
        if (logger.isTraceEnabled()) {
            return LocationAwareLogger.TRACE_INT;
        } else if (logger.isDebugEnabled()) {
            return LocationAwareLogger.DEBUG_INT;
        } else if (logger.isInfoEnabled()) {
            return LocationAwareLogger.INFO_INT;
        } else if (logger.isWarnEnabled()) {
            return LocationAwareLogger.WARN_INT;
        } else if (logger.isErrorEnabled()) {
            return LocationAwareLogger.ERROR_INT;
        }
        return Message.LEVEL_OFF;
    }

    static void emit(Logger logger, Level level, ForwardedLogRecord record, Throwable throwable) {
        String message = record.message();
        if (LogbackEvents.emit(logger, level, message, throwable, record.timestampMillis(), record.threadName())) {
            return; // Logback: an event with the worker's own timestamp and thread name
        }
        if (logger instanceof LoggingEventAware eventAware) {
            // Logback and Log4j: the level was checked above, as this route expects.
            eventAware.log(new ReplayedLoggingEvent(level, logger.getName(), message, throwable,
                    record.timestampMillis(), record.threadName()));
        } else if (logger instanceof LocationAwareLogger locationAware) {
            // No arguments, so a "{}" in the worker's already formatted message is printed as is.
            locationAware.log(null, NO_CALLER, level.toInt(), message, null, throwable);
        } else {
            switch (level) {
                case ERROR -> logger.error(message, throwable);
                case WARN -> logger.warn(message, throwable);
                case INFO -> logger.info(message, throwable);
                case DEBUG -> logger.debug(message, throwable);
                case TRACE -> logger.trace(message, throwable);
            }
        }
    }

    /** The record's MDC plus the worker id, replacing the replaying thread's own for the call. */
    private static void setMdc(Map<String, String> recordMdc, String workerId, Map<String, String> ownMdc) {
        if (recordMdc.isEmpty()) {
            if (ownMdc != null && !ownMdc.isEmpty()) {
                MDC.clear();
            }
            MDC.put(WORKER_MDC_KEY, workerId);
        } else {
            Map<String, String> mdc = HashMap.newHashMap(recordMdc.size() + 1);
            mdc.putAll(recordMdc);
            mdc.put(WORKER_MDC_KEY, workerId); // the worker id wins over a worker's own "worker" entry
            MDC.setContextMap(mdc);
        }
    }

    private Logger logger(String loggerName) {
        String name = loggerName == null ? Logger.ROOT_LOGGER_NAME : loggerName;
        Logger logger = loggers.get(name);
        if (logger == null) {
            logger = LoggerFactory.getLogger(name);
            // Workers choose the names; past the bound, uncached lookups are slower but memory stays flat.
            if (loggers.size() < MAX_CACHED_LOGGERS) {
                loggers.putIfAbsent(name, logger);
            }
        }
        return logger;
    }

    private String workerIdText(int workerId) {
        if (workerId < 0 || workerId >= CACHED_WORKER_IDS) {
            return Integer.toString(workerId);
        }
        String text = workerIdText[workerId];
        if (text == null) {
            // A benign race: two threads may both create the same string.
            text = Integer.toString(workerId);
            workerIdText[workerId] = text;
        }
        return text;
    }

    /** The SLF4J level of a wire level: the nearest at or below it; null (never emitted) from LEVEL_OFF up. */
    static Level level(int wireLevel) {
        if (wireLevel >= Message.LEVEL_OFF) {
            return null;
        } else if (wireLevel >= LocationAwareLogger.ERROR_INT) {
            return Level.ERROR;
        } else if (wireLevel >= LocationAwareLogger.WARN_INT) {
            return Level.WARN;
        } else if (wireLevel >= LocationAwareLogger.INFO_INT) {
            return Level.INFO;
        } else if (wireLevel >= LocationAwareLogger.DEBUG_INT) {
            return Level.DEBUG;
        }
        return Level.TRACE;
    }
}
