package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ThrowableData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.spi.LoggingEventAware;

/** Worker records re-emitted through Logback, as the master's backend. */
class LogReplayTest {
    private static final String PATTERN = "%level|%logger|%thread|%X{worker}|%X{request}|%X{own}|%C|%M|%L|%msg%n%ex";

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final List<String> leveledLoggers = new ArrayList<>();
    private final LogReplay replay = new LogReplay();
    private CapturingAppender appender;
    private Level rootLevel;

    @BeforeEach
    void attach() {
        rootLevel = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel();
        appender = new CapturingAppender(PATTERN);
    }

    @AfterEach
    void detach() {
        appender.close();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(rootLevel);
        leveledLoggers.forEach(name -> context.getLogger(name).setLevel(null));
        MDC.clear();
    }

    @Test
    void recordIsEmittedUnderTheWorkersNameLevelMessageThreadAndMdc() throws Exception {
        ForwardedLogRecord record = new ForwardedLogRecord(1_700_000_000_789L, 30, "com.acme.Orders",
                "order-worker-1", "order 7 is late", Map.of("request", "r-1"), null);
        AtomicReference<String> nameAfter = new AtomicReference<>();
        AtomicReference<Map<String, String>> mdcAfter = new AtomicReference<>();

        Thread reader = Thread.ofPlatform().name("workerpool-channel-reader-3").start(() -> {
            MDC.put("own", "master-context");
            replay.replay(3, record);
            nameAfter.set(Thread.currentThread().getName());
            mdcAfter.set(MDC.getCopyOfContextMap());
        });
        reader.join();

        ILoggingEvent event = appender.list.getFirst();
        assertThat(event.getLoggerName()).isEqualTo("com.acme.Orders");
        assertThat(event.getLevel()).isEqualTo(Level.WARN);
        assertThat(event.getFormattedMessage()).isEqualTo("order 7 is late");
        // issue 17: the worker id in the thread name, for Logback's default [%thread] pattern
        assertThat(event.getThreadName()).isEqualTo("worker-3 order-worker-1");
        assertThat(event.getMDCPropertyMap()).isEqualTo(Map.of("request", "r-1", "worker", "3"));
        // Caller data is not available for a forwarded record: Logback shows "?", not this class.
        assertThat(appender.rendered).containsExactly(
                "WARN|com.acme.Orders|worker-3 order-worker-1|3|r-1||?|?|?|order 7 is late" + System.lineSeparator());
        assertThat(nameAfter.get()).isEqualTo("workerpool-channel-reader-3");
        assertThat(mdcAfter.get()).isEqualTo(Map.of("own", "master-context"));
    }

    @Test
    void workerIdOverridesAWorkersOwnWorkerMdcEntry() {
        replay.replay(12, new ForwardedLogRecord(1, 20, "x", "t", "m", Map.of("worker", "fake"), null));
        assertThat(appender.list.getFirst().getMDCPropertyMap()).isEqualTo(Map.of("worker", "12"));
    }

    @Test
    void formattedMessageIsNotFormattedAgain() {
        replay.replay(1, new ForwardedLogRecord(1, 20, "x", "t", "literal {} and {0} stay", Map.of(), null));
        assertThat(appender.list.getFirst().getFormattedMessage()).isEqualTo("literal {} and {0} stay");
    }

    @Test
    void disabledLevelIsNotEmitted() {
        setLevel("com.acme.quiet", Level.WARN);
        replay.replay(1, new ForwardedLogRecord(1, 20, "com.acme.quiet", "t", "info", Map.of(), null));
        replay.replay(1, new ForwardedLogRecord(1, 10, "com.acme.quiet", "t", "debug", Map.of(), null));
        replay.replay(1, new ForwardedLogRecord(1, 40, "com.acme.quiet", "t", "error", Map.of(), null));
        replay.replay(1, new ForwardedLogRecord(1, Message.LEVEL_OFF, "com.acme.quiet", "t", "off", Map.of(), null));
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("error");
    }

    @Test
    void throwableReadsNaturallyInLogbacksOutput() {
        IllegalStateException original = new IllegalStateException("boom",
                new java.io.UncheckedIOException("wrapped", new java.io.IOException("disk full")));
        original.addSuppressed(new IllegalArgumentException("while closing"));
        ThrowableData data = ThrowableData.of(original);

        replay.replay(2, new ForwardedLogRecord(1, 40, "com.acme.Orders", "w", "failed", Map.of(), data));

        // Structured fields see this class, with the original class name leading the message...
        IThrowableProxy proxy = appender.list.getFirst().getThrowableProxy();
        assertThat(proxy.getClassName()).isEqualTo(RemoteThrowable.class.getName());
        assertThat(proxy.getMessage()).isEqualTo("java.lang.IllegalStateException: boom");
        // ...while the rendered stack trace, printed through toString() by Logback 1.5.22+, reads as the worker's.
        String text = appender.rendered.getFirst();
        String newline = System.lineSeparator();
        assertThat(text)
                .startsWith("ERROR|com.acme.Orders|worker-2 w|2|||?|?|?|failed" + newline
                        + "java.lang.IllegalStateException: boom" + newline
                        + "\tat " + original.getStackTrace()[0] + newline
                        + "\tat " + original.getStackTrace()[1] + newline)
                .contains(newline + "\tSuppressed: java.lang.IllegalArgumentException: while closing" + newline)
                .contains(newline + "Caused by: java.io.UncheckedIOException: wrapped" + newline)
                .contains(newline + "Caused by: java.io.IOException: disk full" + newline)
                .doesNotContain("RemoteThrowable")
                .doesNotContain("LogReplay.replay").doesNotContain("LogReplay.emit")
                .doesNotContain("app//");
    }

    @Test
    void lowestEnabledLevelFollowsTheMastersConfiguration() {
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
        setLevel("com.acme.verbose", Level.TRACE);
        setLevel("com.acme.debug", Level.DEBUG);
        setLevel("com.acme.errors", Level.ERROR);
        setLevel("com.acme.off", Level.OFF);

        assertThat(LogReplay.lowestEnabledLevel(org.slf4j.Logger.ROOT_LOGGER_NAME)).isEqualTo(20);
        assertThat(LogReplay.lowestEnabledLevel("com.acme.verbose")).isEqualTo(0);
        assertThat(LogReplay.lowestEnabledLevel("com.acme.debug.sub")).isEqualTo(10);
        assertThat(LogReplay.lowestEnabledLevel("com.acme.errors")).isEqualTo(40);
        assertThat(LogReplay.lowestEnabledLevel("com.acme.off")).isEqualTo(Message.LEVEL_OFF);
        assertThat(LogReplay.lowestEnabledLevel("com.acme.inherits")).isEqualTo(20);
    }

    /** Logback gets an event of its own, stamped with the worker's time and thread, not the replay's. */
    @Test
    void logbackKeepsTheWorkersTimestampAndThreadName() {
        long workerTime = 1_000_000L;
        replay.replay(1, new ForwardedLogRecord(workerTime, 20, "x", "worker-thread-9", "m", Map.of(), null));
        assertThat(appender.list.getFirst().getTimeStamp()).isEqualTo(workerTime);
        assertThat(appender.list.getFirst().getThreadName()).isEqualTo("worker-1 worker-thread-9");
    }

    @Test
    void eventAwareLoggerReceivesTheWorkersTimeThreadAndNoCaller() {
        List<LoggingEvent> received = new ArrayList<>();
        class EventAwareLogger extends LegacyAbstractLogger implements LoggingEventAware {
            @Override
            public void log(LoggingEvent event) {
                received.add(event);
            }

            @Override public boolean isTraceEnabled() { return true; }
            @Override public boolean isDebugEnabled() { return true; }
            @Override public boolean isInfoEnabled() { return true; }
            @Override public boolean isWarnEnabled() { return true; }
            @Override public boolean isErrorEnabled() { return true; }
            @Override protected String getFullyQualifiedCallerName() { return null; }
            @Override
            protected void handleNormalizedLoggingCall(org.slf4j.event.Level level, org.slf4j.Marker marker,
                                                       String pattern, Object[] args, Throwable t) {
                throw new AssertionError("the event route should be taken");
            }
        }
        ForwardedLogRecord record = new ForwardedLogRecord(1_234L, 10, "x", "worker-thread", "m {}", Map.of(), null);

        LogReplay.emit(new EventAwareLogger(), org.slf4j.event.Level.DEBUG, record, null);

        LoggingEvent event = received.getFirst();
        assertThat(event.getTimeStamp()).isEqualTo(1_234L);
        assertThat(event.getThreadName()).isEqualTo("worker-thread");
        assertThat(event.getLevel()).isEqualTo(org.slf4j.event.Level.DEBUG);
        assertThat(event.getMessage()).isEqualTo("m {}");
        assertThat(event.getArgumentArray()).isNull();
        assertThat(event.getCallerBoundary()).isEqualTo(LogReplay.NO_CALLER);
    }

    @Test
    void nonStandardWireLevelsMapToTheNearestLevelBelow() {
        assertThat(LogReplay.level(0)).isEqualTo(org.slf4j.event.Level.TRACE);
        assertThat(LogReplay.level(-5)).isEqualTo(org.slf4j.event.Level.TRACE);
        assertThat(LogReplay.level(25)).isEqualTo(org.slf4j.event.Level.INFO);
        assertThat(LogReplay.level(40)).isEqualTo(org.slf4j.event.Level.ERROR);
        assertThat(LogReplay.level(49)).isEqualTo(org.slf4j.event.Level.ERROR);
        assertThat(LogReplay.level(Message.LEVEL_OFF)).isNull();
    }

    private void setLevel(String name, Level level) {
        context.getLogger(name).setLevel(level);
        leveledLoggers.add(name);
    }
}
