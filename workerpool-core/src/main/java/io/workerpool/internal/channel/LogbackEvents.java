package io.workerpool.internal.channel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Replays a worker's record into Logback as a Logback event that carries the worker's own timestamp and
 * thread name: Logback's SLF4J entry points stamp events with the replay time. Logback is found by
 * reflection (the core depends on nothing but slf4j-api); with another backend, or a Logback without these
 * methods, {@link #emit} returns false and the caller takes the plain SLF4J route.
 */
final class LogbackEvents {
    private static final MethodHandle NEW_EVENT;
    private static final MethodHandle CONVERT_LEVEL;
    private static final MethodHandle SET_TIMESTAMP;
    private static final MethodHandle SET_THREAD_NAME;
    private static final MethodHandle CALL_APPENDERS;
    private static final Class<?> LOGBACK_LOGGER;

    static {
        MethodHandle newEvent = null;
        MethodHandle convertLevel = null;
        MethodHandle setTimestamp = null;
        MethodHandle setThreadName = null;
        MethodHandle callAppenders = null;
        Class<?> loggerClass = null;
        try {
            ClassLoader loader = Logger.class.getClassLoader();
            loggerClass = Class.forName("ch.qos.logback.classic.Logger", false, loader);
            Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level", false, loader);
            Class<?> eventClass = Class.forName("ch.qos.logback.classic.spi.LoggingEvent", false, loader);
            Class<?> eventInterface = Class.forName("ch.qos.logback.classic.spi.ILoggingEvent", false, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            newEvent = lookup.findConstructor(eventClass, MethodType.methodType(void.class, String.class, loggerClass,
                    levelClass, String.class, Throwable.class, Object[].class));
            convertLevel = lookup.findStatic(levelClass, "convertAnSLF4JLevel",
                    MethodType.methodType(levelClass, Level.class));
            setTimestamp = lookup.findVirtual(eventClass, "setTimeStamp", MethodType.methodType(void.class, long.class));
            setThreadName = lookup.findVirtual(eventClass, "setThreadName",
                    MethodType.methodType(void.class, String.class));
            callAppenders = lookup.findVirtual(loggerClass, "callAppenders",
                    MethodType.methodType(void.class, eventInterface));
        } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
            loggerClass = null; // not Logback, or not one we know: the plain SLF4J route
        }
        LOGBACK_LOGGER = loggerClass;
        NEW_EVENT = newEvent;
        CONVERT_LEVEL = convertLevel;
        SET_TIMESTAMP = setTimestamp;
        SET_THREAD_NAME = setThreadName;
        CALL_APPENDERS = callAppenders;
    }

    private LogbackEvents() {
    }

    /**
     * Emits through Logback with the original timestamp and thread name; false when the logger is not
     * Logback's. The caller has checked the level and set the MDC on this thread (Logback copies it).
     */
    static boolean emit(Logger logger, Level level, String message, Throwable throwable, long timestampMillis,
                        String threadName) {
        if (LOGBACK_LOGGER == null || !LOGBACK_LOGGER.isInstance(logger)) {
            return false;
        }
        try {
            Object event = NEW_EVENT.invoke(LogReplay.NO_CALLER, logger, CONVERT_LEVEL.invoke(level), message,
                    throwable, (Object[]) null);
            if (timestampMillis > 0) {
                SET_TIMESTAMP.invoke(event, timestampMillis);
            }
            if (threadName != null) {
                SET_THREAD_NAME.invoke(event, threadName);
            }
            CALL_APPENDERS.invoke(logger, event);
            return true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("replaying a record into Logback failed", e);
        }
    }
}
