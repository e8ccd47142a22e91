package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ThrowableData;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LocationAwareLogger;

/**
 * The SLF4J logger of a worker JVM: it turns each call that passes its threshold into a
 * {@link ForwardedLogRecord} and hands it to the {@link LogForwarder}, which ships it to the master.
 * Nothing is printed in the worker.
 *
 * <p>The threshold is the lowest SLF4J level the master has enabled for this name (TRACE until the master's
 * answer arrives: the master filters what it gets anyway). It matters beyond
 * saving bandwidth: libraries such as Jetty build debug messages only after {@code isDebugEnabled()}, so
 * an honest answer here keeps the worker from doing work the master would throw away.
 */
final class ForwardingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final transient LogForwarder forwarder;
    private volatile int threshold;

    ForwardingLogger(String name, int threshold, LogForwarder forwarder) {
        this.name = name;
        this.threshold = threshold;
        this.forwarder = forwarder;
    }

    /** The lowest SLF4J level (as {@code Level.toInt()}) that is forwarded; {@link Message#LEVEL_OFF} for none. */
    int threshold() {
        return threshold;
    }

    void setThreshold(int level) {
        threshold = Math.clamp(level, LocationAwareLogger.TRACE_INT, Message.LEVEL_OFF);
    }

    boolean isEnabled(int level) {
        return level >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return isEnabled(LocationAwareLogger.TRACE_INT);
    }

    @Override
    public boolean isDebugEnabled() {
        return isEnabled(LocationAwareLogger.DEBUG_INT);
    }

    @Override
    public boolean isInfoEnabled() {
        return isEnabled(LocationAwareLogger.INFO_INT);
    }

    @Override
    public boolean isWarnEnabled() {
        return isEnabled(LocationAwareLogger.WARN_INT);
    }

    @Override
    public boolean isErrorEnabled() {
        return isEnabled(LocationAwareLogger.ERROR_INT);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        // Caller data is not collected in the worker (it costs a stack walk per record) nor sent.
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
        // AbstractLogger only splits off a trailing throwable when there are two or more arguments;
        // Logback (and the SLF4J FAQ) treat a trailing throwable as the record's throwable in every case,
        // so that info("failed {}", e) prints a stack trace in the worker's usual backend. Do the same.
        if (throwable == null && arguments != null && arguments.length > 0
                && arguments[arguments.length - 1] instanceof Throwable trailing) {
            throwable = trailing;
            arguments = MessageFormatter.trimmedCopy(arguments);
        }
        String message = arguments == null || arguments.length == 0
                ? messagePattern
                : MessageFormatter.basicArrayFormat(messagePattern, arguments);
        forwarder.forward(new ForwardedLogRecord(System.currentTimeMillis(), level.toInt(), name,
                Thread.currentThread().getName(), message, MDC.getCopyOfContextMap(), capture(throwable)));
    }

    /** The throwable as data; a throwable whose own methods fail still leaves its class name. */
    static ThrowableData capture(Throwable throwable) {
        if (throwable == null) {
            return null;
        }
        try {
            return ThrowableData.of(throwable);
        } catch (RuntimeException e) {
            // A user exception whose getMessage() or getStackTrace() throws must not make logging throw.
            return new ThrowableData(throwable.getClass().getName(), "(failed to capture: " + e + ")",
                    java.util.List.of(), null, java.util.List.of());
        }
    }

    @Override
    public String toString() {
        return "ForwardingLogger[" + name + ", threshold " + threshold + "]";
    }
}
