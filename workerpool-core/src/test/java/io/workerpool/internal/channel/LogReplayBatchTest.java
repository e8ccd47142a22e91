package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.workerpool.internal.wire.ForwardedLogRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A batch of worker records replayed at once: each as {@link LogReplay#replay} would, the thread left as it was. */
class LogReplayBatchTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final LogReplay replay = new LogReplay();
    private final CapturingAppender appender = new CapturingAppender("%level|%logger|%thread|%X{worker}|%X{request}|%msg%n");

    @AfterEach
    void detach() {
        appender.close();
        context.getLogger("com.acme.quiet").setLevel(null);
        MDC.clear();
    }

    @Test
    void eachRecordKeepsItsOwnThreadNameAndMdcAndTheReplayingThreadIsRestored() throws Exception {
        context.getLogger("com.acme.quiet").setLevel(Level.WARN);
        List<ForwardedLogRecord> batch = List.of(
                new ForwardedLogRecord(1, 20, "a", "t1", "one", Map.of(), null),
                new ForwardedLogRecord(2, 20, "a", "t1", "two", Map.of("request", "r-1"), null),
                new ForwardedLogRecord(3, 20, "com.acme.quiet", "t2", "skipped", Map.of(), null),
                new ForwardedLogRecord(4, 30, "b", "t2", "three", Map.of("request", "r-1"), null),
                new ForwardedLogRecord(5, 20, "b", null, "four", Map.of(), null),
                new ForwardedLogRecord(6, 20, "b", "t1", "five", Map.of("worker", "fake"), null));
        AtomicReference<String> nameAfter = new AtomicReference<>();
        AtomicReference<Map<String, String>> mdcAfter = new AtomicReference<>();

        Thread reader = Thread.ofPlatform().name("reader").start(() -> {
            MDC.put("own", "master");
            replay.replayBatch(7, batch);
            nameAfter.set(Thread.currentThread().getName());
            mdcAfter.set(MDC.getCopyOfContextMap());
        });
        reader.join();

        String nl = System.lineSeparator();
        assertThat(appender.rendered).containsExactly(
                "INFO|a|worker-7 t1|7||one" + nl,
                "INFO|a|worker-7 t1|7|r-1|two" + nl,
                "WARN|b|worker-7 t2|7|r-1|three" + nl,
                "INFO|b|worker-7|7||four" + nl,
                "INFO|b|worker-7 t1|7||five" + nl);
        assertThat(appender.list).extracting(ILoggingEvent::getTimeStamp).containsExactly(1L, 2L, 4L, 5L, 6L);
        assertThat(nameAfter.get()).isEqualTo("reader");
        assertThat(mdcAfter.get()).isEqualTo(Map.of("own", "master"));
    }

    @Test
    void anEmptyBatchLeavesTheThreadAsItWas() {
        MDC.put("own", "master");
        replay.replayBatch(1, List.of());
        assertThat(appender.list).isEmpty();
        assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("own", "master"));
    }
}
