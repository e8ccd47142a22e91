package io.workerpool.internal.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ThrowableData;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MDC;

/** What a worker's SLF4J logger puts in the records it forwards. */
class LogForwardingLoggerTest {
    private final RecordingSink sink = new RecordingSink();
    private final LogForwarder forwarder = new LogForwarder(100);

    @BeforeEach
    void connect() {
        forwarder.connect(sink, 0);
    }

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    @Test
    void recordCarriesLevelNameThreadTimeAndFormattedMessage() throws Exception {
        Logger logger = forwarder.getLogger("com.acme.Orders");
        long before = System.currentTimeMillis();
        Thread thread = Thread.ofPlatform().name("order-worker-7")
                .start(() -> logger.warn("order {} of {} failed: {}", 12, "alice", "timeout"));
        thread.join();
        long after = System.currentTimeMillis();

        ForwardedLogRecord record = sink.records.getFirst();
        assertThat(record.level()).isEqualTo(30);
        assertThat(record.loggerName()).isEqualTo("com.acme.Orders");
        assertThat(record.threadName()).isEqualTo("order-worker-7");
        assertThat(record.message()).isEqualTo("order 12 of alice failed: timeout");
        assertThat(record.timestampMillis()).isBetween(before, after);
        assertThat(record.throwable()).isNull();
    }

    @Test
    void eachLevelHasItsSlf4jNumber() {
        Logger logger = forwarder.getLogger("levels");
        logger.trace("t");
        logger.debug("d");
        logger.info("i");
        logger.warn("w");
        logger.error("e");
        assertThat(sink.records).extracting(ForwardedLogRecord::level).containsExactly(0, 10, 20, 30, 40);
    }

    @Test
    void messageWithoutArgumentsIsKeptVerbatim() {
        forwarder.getLogger("verbatim").info("braces {} stay when there is nothing to put in them");
        assertThat(sink.messages()).containsExactly("braces {} stay when there is nothing to put in them");
    }

    @Test
    void mdcIsCopiedAtTheTimeOfLogging() {
        Logger logger = forwarder.getLogger("mdc");
        MDC.put("request", "r-42");
        MDC.put("user", "alice");
        logger.info("with mdc");
        MDC.remove("user");
        logger.info("after remove");

        assertThat(sink.records.get(0).mdc()).isEqualTo(Map.of("request", "r-42", "user", "alice"));
        assertThat(sink.records.get(1).mdc()).isEqualTo(Map.of("request", "r-42"));
    }

    @Test
    void throwableWithCauseAndSuppressedIsCaptured() {
        IllegalStateException failure = new IllegalStateException("boom", new java.io.IOException("disk full"));
        failure.addSuppressed(new IllegalArgumentException("while closing"));
        forwarder.getLogger("errors").error("request {} failed", 7, failure);

        ForwardedLogRecord record = sink.records.getFirst();
        assertThat(record.message()).isEqualTo("request 7 failed");
        ThrowableData data = record.throwable();
        assertThat(data.className()).isEqualTo("java.lang.IllegalStateException");
        assertThat(data.message()).isEqualTo("boom");
        assertThat(data.stack()).containsExactly(failure.getStackTrace());
        assertThat(data.cause().className()).isEqualTo("java.io.IOException");
        assertThat(data.cause().message()).isEqualTo("disk full");
        assertThat(data.suppressed()).singleElement()
                .satisfies(s -> assertThat(s.message()).isEqualTo("while closing"));
    }

    @Test
    void loneTrailingThrowableIsTheRecordsThrowableAsInLogback() {
        forwarder.getLogger("errors").warn("failed {}", new RuntimeException("why"));
        ForwardedLogRecord record = sink.records.getFirst();
        assertThat(record.message()).isEqualTo("failed {}");
        assertThat(record.throwable().message()).isEqualTo("why");
    }

    @Test
    void fluentApiIsForwardedToo() {
        forwarder.getLogger("fluent").atInfo().setMessage("took {} ms").addArgument(35).log();
        assertThat(sink.messages()).containsExactly("took 35 ms");
    }

    @Test
    void throwableWhoseMessageFailsStillLogs() {
        RuntimeException broken = new RuntimeException() {
            @Override
            public String getMessage() {
                throw new UnsupportedOperationException("no message for you");
            }
        };
        forwarder.getLogger("errors").error("bad throwable", broken);
        ThrowableData data = sink.records.getFirst().throwable();
        assertThat(data.className()).isEqualTo(broken.getClass().getName());
        assertThat(data.message()).contains("no message for you");
    }

    @Test
    void thresholdAnswersIsEnabledAndFilters() {
        Logger logger = forwarder.getLogger("com.acme.jetty");
        forwarder.applyLevels(Map.of("com.acme.jetty", 30));

        assertThat(logger.isDebugEnabled()).isFalse();
        assertThat(logger.isInfoEnabled()).isFalse();
        assertThat(logger.isWarnEnabled()).isTrue();
        logger.debug("dropped in the worker");
        logger.info("dropped too");
        logger.warn("kept");
        assertThat(sink.messages()).containsExactly("kept");

        forwarder.applyLevels(Map.of("com.acme.jetty", Message.LEVEL_OFF));
        assertThat(logger.isErrorEnabled()).isFalse();
        logger.error("off");
        assertThat(sink.messages()).containsExactly("kept");
    }
}
