package io.workerpool.internal.worker.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of a worker JVM, which the master selects with
 * {@code -Dslf4j.provider=io.workerpool.internal.worker.logging.ForwardingServiceProvider} (honoured by
 * SLF4J 2.0.9 and later, ahead of any Logback or other binding on the class path). Its loggers forward
 * every record to the master through {@link LogForwarding}; nothing is printed in the worker.
 *
 * <p>Deliberately not listed in {@code META-INF/services}: the master JVM, which has the same class path,
 * must keep binding to the user's own backend.
 */
public final class ForwardingServiceProvider implements SLF4JServiceProvider {
    /** The SLF4J API version this provider is written against: any 2.0.x. */
    public static final String REQUESTED_API_VERSION = "2.0.99";

    private IMarkerFactory markerFactory;
    private MDCAdapter mdcAdapter;

    /** Called by SLF4J, which then calls {@link #initialize()}. */
    public ForwardingServiceProvider() {
    }

    @Override
    public void initialize() {
        markerFactory = new BasicMarkerFactory();
        mdcAdapter = new BasicMDCAdapter();
    }

    /** The worker's forwarding loggers, one per name. */
    @Override
    public ILoggerFactory getLoggerFactory() {
        return LogForwarding.forwarder();
    }

    /** Plain markers; they are not forwarded (the wire record has no field for them). */
    @Override
    public IMarkerFactory getMarkerFactory() {
        return markerFactory;
    }

    /** A thread-local MDC, copied into each record. */
    @Override
    public MDCAdapter getMDCAdapter() {
        return mdcAdapter;
    }

    @Override
    public String getRequestedApiVersion() {
        return REQUESTED_API_VERSION;
    }
}
