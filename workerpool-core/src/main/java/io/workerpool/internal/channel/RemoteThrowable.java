package io.workerpool.internal.channel;

import io.workerpool.internal.wire.ThrowableData;

/**
 * A throwable from a worker JVM, rebuilt in the master from {@link ThrowableData}: the worker's stack
 * trace, cause chain and suppressed throwables, under this one class (the original class may not exist in
 * the master, and creating one reflectively could run arbitrary constructors).
 *
 * <p>How it reads: {@link #toString()} is exactly the original's ({@code "java.lang.IllegalStateException:
 * boom"}). {@code printStackTrace()} prints through it, and so do Logback since 1.5.22 and Log4j since
 * 2.25.4, which print {@code toString()} when it differs from {@code getClass().getName() + ": " +
 * getMessage()}: their output is then the worker's, down to {@code Caused by: java.io.IOException: ...}.
 * Backends that build the line from the class name instead (older Logback, or a JSON encoder's
 * "exception class" field) can't be shown another class name; for them {@link #getMessage()} also starts
 * with the original class name, giving {@code io.workerpool.internal.channel.RemoteThrowable:
 * java.lang.IllegalStateException: boom}. The original class and message stay available as
 * {@link #remoteClassName()} and {@link #remoteMessage()}.
 */
public final class RemoteThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;
    private final String remoteMessage;

    private RemoteThrowable(ThrowableData data, RemoteThrowable cause) {
        super(describe(data.className(), data.message()), cause, true, true);
        this.remoteClassName = data.className();
        this.remoteMessage = data.message();
        setStackTrace(data.stack().toArray(StackTraceElement[]::new));
    }

    /** The throwable, its cause chain and its suppressed throwables, as {@code RemoteThrowable}s. */
    public static RemoteThrowable of(ThrowableData data) {
        RemoteThrowable rebuilt = new RemoteThrowable(data, data.cause() == null ? null : of(data.cause()));
        for (ThrowableData suppressed : data.suppressed()) {
            rebuilt.addSuppressed(of(suppressed));
        }
        return rebuilt;
    }

    /** The fully qualified class name of the throwable in the worker. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** The throwable's own message in the worker, or null. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** As the original's {@code Throwable.toString()}: its class name, then ": " and its message if any. */
    @Override
    public String toString() {
        return getMessage();
    }

    // The master's stack at the time of rebuilding says nothing about the worker's failure, and walking
    // it costs more than the rest of a replay; the worker's stack is set in the constructor instead.
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    private static String describe(String className, String message) {
        return message == null ? className : className + ": " + message;
    }
}
