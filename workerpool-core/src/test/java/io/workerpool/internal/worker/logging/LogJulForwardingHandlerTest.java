package io.workerpool.internal.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** java.util.logging records forwarded like SLF4J ones. */
class LogJulForwardingHandlerTest {
    private final RecordingSink sink = new RecordingSink();
    private final LogForwarder forwarder = new LogForwarder(100);
    private final Logger jul = Logger.getLogger("com.acme.jul." + System.nanoTime());

    @BeforeEach
    void attach() {
        forwarder.connect(sink, 0);
        jul.setUseParentHandlers(false);
        jul.setLevel(Level.ALL);
        jul.addHandler(new JulForwardingHandler(forwarder));
    }

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    @Test
    void levelsMapToSlf4j() {
        jul.severe("severe");
        jul.warning("warning");
        jul.info("info");
        jul.config("config");
        jul.fine("fine");
        jul.finer("finer");
        jul.finest("finest");
        assertThat(sink.records).extracting(ForwardedLogRecord::level).containsExactly(40, 30, 20, 20, 10, 0, 0);
    }

    @Test
    void parametersAreFormattedAsJulFormattersDo() {
        jul.log(Level.INFO, "user {0} has {1} items", new Object[] {"alice", 3});
        jul.log(Level.INFO, "no placeholders", new Object[] {"ignored"});
        jul.log(Level.INFO, "braces {} without a digit", "ignored");
        assertThat(sink.messages()).containsExactly("user alice has 3 items", "no placeholders",
                "braces {} without a digit");
    }

    @Test
    void recordKeepsNameInstantThreadThrowableAndMdc() throws Exception {
        MDC.put("request", "r-9");
        IllegalStateException failure = new IllegalStateException("jul boom");
        Thread thread = Thread.ofPlatform().name("jul-thread").start(() -> {
            MDC.put("request", "r-9");
            LogRecord record = new LogRecord(Level.WARNING, "it failed");
            record.setLoggerName(jul.getName());
            record.setInstant(Instant.ofEpochMilli(1_700_000_000_123L));
            record.setThrown(failure);
            jul.log(record);
        });
        thread.join();

        ForwardedLogRecord record = sink.records.getFirst();
        assertThat(record.loggerName()).isEqualTo(jul.getName());
        assertThat(record.timestampMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(record.threadName()).isEqualTo("jul-thread");
        assertThat(record.mdc()).isEqualTo(Map.of("request", "r-9"));
        assertThat(record.throwable().className()).isEqualTo("java.lang.IllegalStateException");
        assertThat(record.throwable().message()).isEqualTo("jul boom");
        assertThat(record.throwable().stack()).containsExactly(failure.getStackTrace());
    }

    @Test
    void recordFromAnotherThreadIsNamedByThreadId() {
        LogRecord record = new LogRecord(Level.INFO, "handed over");
        record.setLoggerName(jul.getName());
        record.setLongThreadID(987_654_321L);
        new JulForwardingHandler(forwarder).publish(record);
        assertThat(sink.records.getFirst().threadName()).isEqualTo("thread-987654321");
    }

    @Test
    void rootAndAnonymousLoggersAreTheSlf4jRoot() {
        JulForwardingHandler handler = new JulForwardingHandler(forwarder);
        handler.publish(new LogRecord(Level.INFO, "anonymous"));
        LogRecord root = new LogRecord(Level.INFO, "root");
        root.setLoggerName("");
        handler.publish(root);
        assertThat(sink.records).extracting(ForwardedLogRecord::loggerName).containsExactly("ROOT", "ROOT");
    }

    @Test
    void mastersLevelForTheNameIsAskedForAndApplies() {
        jul.info("before the master answers");
        assertThat(sink.queriedNames()).containsExactly(jul.getName());

        forwarder.applyLevels(Map.of(jul.getName(), 30));
        jul.info("not wanted by the master");
        jul.warning("wanted");
        assertThat(sink.messages()).containsExactly("before the master answers", "wanted");
    }

    @Test
    void installReplacesTheRootHandlers() {
        Logger root = LogManager.getLogManager().getLogger("");
        Handler[] original = root.getHandlers();
        ConsoleHandler console = new ConsoleHandler();
        root.addHandler(console);
        try {
            JulForwardingHandler.install();
            JulForwardingHandler.install();
            assertThat(List.of(root.getHandlers())).singleElement().isInstanceOf(JulForwardingHandler.class);
        } finally {
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : original) {
                root.addHandler(h);
            }
        }
    }
}
