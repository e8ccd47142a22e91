package io.workerpool.internal.channel;

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
 * <p>What a worker sends is text it chose: the message, logger name, thread name and MDC keys and values are
 * printed with line breaks and other control characters escaped ({@link #escape}: {@code \n}, {@code \r},
 * {@code \\u001b} ...), so that no part of a record can pass for another line of the master's log; a stack
 * trace is printed as it is (its frames are separate lines by design, each led by "at").
 *
 * <p>Bounded: the master has the backend create at most about {@value #MAX_LOGGERS} loggers for workers' names,
 * ancestors included, for all workers together (the backend keeps every logger it creates, for good); a record
 * or level query naming a new logger past that bound,
 * or a name longer than {@value #MAX_LOGGER_NAME_CHARS} characters or deeper than {@value #MAX_LOGGER_DEPTH}
 * levels, goes to the root logger, with its original (escaped) name in the MDC as {@value #LOGGER_MDC_KEY}.
 *
 * <p>Thread-safe: readers of several workers may replay at once. Exceptions thrown by the backend itself
 * propagate to the caller.
 */
public final class LogReplay {
    /** The MDC key that carries the id of the worker a record came from. */
    public static final String WORKER_MDC_KEY = "worker";

    /** The MDC key that carries the original logger name of a record replayed under the root logger. */
    public static final String LOGGER_MDC_KEY = "logger";

    /** A caller boundary no class has: backends find no caller frame instead of a misleading one. */
    static final String NO_CALLER = "io.workerpool.internal.channel.LogReplay#worker";

    static final int MAX_LOGGERS = 20_000;
    static final int MAX_LOGGER_NAME_CHARS = 256;
    static final int MAX_LOGGER_DEPTH = 16;
    private static final int CACHED_WORKER_IDS = 1024;

    private final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final String[] workerIdText = new String[CACHED_WORKER_IDS];
    private volatile Logger rootLogger;
    /** Loggers the backend may have created for workers' names, ancestors included (an upper estimate). */
    private final java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();

    /** A replay with an empty logger cache. */
    public LogReplay() {
    }

    /**
     * Emits the record in the master, if the master's logger enables its level; otherwise does nothing. The
     * same steps as a batch of one ({@link #replayBatch}).
     *
     * @param workerId the id of the worker that sent the record, put in the MDC as {@value #WORKER_MDC_KEY}
     */
    public void replay(int workerId, ForwardedLogRecord record) {
        replayBatch(workerId, java.util.List.of(record));
    }

    /**
     * Emits a worker's batch of records in order, each under its logger name and level, with its message,
     * MDC, thread name and throwable. The replaying thread's MDC and name are saved at the first record the
     * master's levels enable and restored once after the batch, not once per record: the thread is renamed
     * only when the worker thread's name changes from one record to the next, the MDC is set only when the
     * record's MDC differs from the previous one's, and the tagged thread name ("worker-3 main") is built
     * once per run of records from the same worker thread. A record the master's levels don't enable is
     * skipped, and a batch with none leaves the thread untouched.
     *
     * @param workerId the id of the worker that sent the records, put in the MDC as {@value #WORKER_MDC_KEY}
     */
    public void replayBatch(int workerId, java.util.List<ForwardedLogRecord> records) {
        Thread current = null; // and what follows: saved at the first record emitted
        String ownName = null;
        String name = null;
        Map<String, String> ownMdc = null;
        String id = null;
        Map<String, String> mdcSet = null; // the record MDC the thread's MDC holds now, plus the worker id
        String mdcLogger = null; // and the original logger name it holds, when the record went out under another
        String rawThread = null; // the last record's thread name as sent, and its tagged, escaped form
        String workerThread = null;
        try {
            for (int i = 0, n = records.size(); i < n; i++) {
                ForwardedLogRecord record = records.get(i);
                Logger logger = logger(record.loggerName());
                Level level = level(record.level());
                if (level == null || !logger.isEnabledForLevel(level)) {
                    continue;
                }
                if (current == null) {
                    current = Thread.currentThread();
                    ownName = current.getName();
                    name = ownName;
                    ownMdc = MDC.getCopyOfContextMap();
                    id = workerIdText(workerId);
                }
                Throwable throwable = record.throwable() == null ? null : RemoteThrowable.of(record.throwable());
                String original = isOwnName(logger, record.loggerName()) ? null : escape(record.loggerName());
                if (mdcSet == null || !mdcSet.equals(record.mdc()) || !java.util.Objects.equals(mdcLogger, original)) {
                    setMdc(record.mdc(), id, mdcSet == null ? ownMdc : mdcSet, original);
                    mdcSet = record.mdc();
                    mdcLogger = original;
                }
                if (workerThread == null || !java.util.Objects.equals(rawThread, record.threadName())) {
                    // issue 17: "worker-3 main", seen with no configuration
                    rawThread = record.threadName();
                    workerThread = escape(WorkerThreadNames.threadName(workerId, rawThread));
                }
                if (!workerThread.equals(name)) {
                    current.setName(workerThread);
                    name = workerThread;
                }
                emit(logger, level, record, throwable, workerThread);
            }
        } finally {
            if (current != null) {
                if (!name.equals(ownName)) {
                    current.setName(ownName);
                }
                if (ownMdc == null || ownMdc.isEmpty()) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(ownMdc);
                }
            }
        }
    }

    /**
     * The lowest SLF4J level ({@code Level.toInt()}) the master's backend enables for that logger, or
     * {@link Message#LEVEL_OFF} when none is: the answer to a worker's level query, and for
     * {@link Logger#ROOT_LOGGER_NAME} the {@code Welcome.rootLevel}.
     */
    public static int lowestEnabledLevel(String loggerName) {
        return lowestEnabledLevel(LoggerFactory.getLogger(loggerName == null ? Logger.ROOT_LOGGER_NAME : loggerName));
    }

    /**
     * {@link #lowestEnabledLevel(String)} for a name a worker chose: through the same bounded set of loggers as
     * the records (past the bound, the root logger's level).
     */
    public int levelOf(String loggerName) {
        return lowestEnabledLevel(logger(loggerName));
    }

    private static int lowestEnabledLevel(Logger logger) {
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
        emit(logger, level, record, throwable, escape(record.threadName()));
    }

    static void emit(Logger logger, Level level, ForwardedLogRecord record, Throwable throwable, String threadName) {
        String message = escape(record.message());
        if (LogbackEvents.emit(logger, level, message, throwable, record.timestampMillis(), threadName)) {
            return; // Logback: an event with the worker's own timestamp and thread name
        }
        if (logger instanceof LoggingEventAware eventAware) {
            // Logback and Log4j: the level was checked above, as this route expects.
            eventAware.log(new ReplayedLoggingEvent(level, logger.getName(), message, throwable,
                    record.timestampMillis(), threadName));
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
    private static void setMdc(Map<String, String> recordMdc, String workerId, Map<String, String> ownMdc,
                               String originalLogger) {
        if (recordMdc.isEmpty() && originalLogger == null) {
            if (ownMdc != null && !ownMdc.isEmpty()) {
                MDC.clear();
            }
            MDC.put(WORKER_MDC_KEY, workerId);
        } else {
            Map<String, String> mdc = HashMap.newHashMap(recordMdc.size() + 2);
            recordMdc.forEach((key, value) -> mdc.put(escape(key), escape(value)));
            if (originalLogger != null) {
                mdc.put(LOGGER_MDC_KEY, originalLogger);
            }
            mdc.put(WORKER_MDC_KEY, workerId); // the worker id wins over a worker's own "worker" entry
            MDC.setContextMap(mdc);
        }
    }

    /** True when the record goes out under the name it was sent with. */
    private static boolean isOwnName(Logger logger, String loggerName) {
        return loggerName == null || logger.getName().equals(loggerName);
    }

    /**
     * The master's logger for a name a worker chose: at most {@link #MAX_LOGGERS} names are ever looked up in
     * the backend (which keeps each logger, and each of its ancestors, for good); past that, or for a name
     * that is too long, too deep or not printable as it is, the root logger.
     */
    private Logger logger(String loggerName) {
        String name = loggerName == null ? Logger.ROOT_LOGGER_NAME : loggerName;
        Logger logger = loggers.get(name);
        if (logger != null) {
            return logger;
        }
        if (created.get() >= MAX_LOGGERS || !isPlainLoggerName(name)) {
            return root();
        }
        return loggers.computeIfAbsent(name, n -> {
            // The backend creates the ancestors too ("a.b.c": a, a.b, a.b.c): each counts against the bound.
            created.addAndGet(levels(n));
            return LoggerFactory.getLogger(n);
        });
    }

    private static int levels(String name) {
        int levels = 1;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '$') {
                levels++;
            }
        }
        return levels;
    }

    private Logger root() {
        Logger root = rootLogger;
        if (root == null) {
            root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
            rootLogger = root;
        }
        return root;
    }

    private static boolean isPlainLoggerName(String name) {
        if (name.length() > MAX_LOGGER_NAME_CHARS) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '$') {
                dots++;
            } else if (needsEscape(c)) {
                return false;
            }
        }
        return dots < MAX_LOGGER_DEPTH;
    }

    /**
     * The text with CR, LF, the other C0 and C1 control characters, DEL and the Unicode line and paragraph
     * separators written as {@code \n}, {@code \r} or {@code \\uXXXX}, so that it prints on one
     * line and cannot pass for another line of the log; the same string when it has none of them (tabs
     * included: a tab ends no line).
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
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
