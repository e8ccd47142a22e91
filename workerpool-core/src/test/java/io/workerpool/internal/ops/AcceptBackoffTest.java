package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An accept loop whose {@code accept()} keeps failing (EMFILE: the master is out of descriptors) waits between
 * attempts, 10 ms doubling to 1 s, and logs the first failure and then one line per 10 s (issue 12, finding 11),
 * instead of retrying at once with a line per failure. Time is the test's: the clock moves by what was slept.
 */
class AcceptBackoffTest {
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Logger log;
    private long nanos = 1_000_000_000L;
    private final List<Long> sleeps = new ArrayList<>();

    @BeforeEach
    void captureTheLog() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        log = context.getLogger("test.AcceptBackoff");
        log.setLevel(Level.DEBUG);
        log.setAdditive(false);
        lines.setContext(context);
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void release() {
        log.detachAppender(lines);
        lines.stop();
    }

    /** The loop of {@code ManagementSocket}/{@code WorkerChannelServer}, with an accept that fails n times. */
    private void acceptLoop(AcceptBackoff backoff, int failuresThenSuccess) {
        for (int attempt = 0; attempt <= failuresThenSuccess; attempt++) {
            try {
                if (attempt < failuresThenSuccess) {
                    throw new IOException("Too many open files");
                }
                backoff.succeeded();
            } catch (IOException e) {
                backoff.failed(e);
            }
        }
    }

    @Test
    void failingAcceptsWaitLongerEachTimeUpToASecondAndLogOneLinePerTenSeconds() {
        AcceptBackoff backoff = new AcceptBackoff(log, "control socket /tmp/x", () -> nanos, millis -> {
            sleeps.add(millis);
            nanos += millis * 1_000_000L;
        });

        acceptLoop(backoff, 300);

        assertThat(sleeps).hasSize(300);
        assertThat(sleeps.subList(0, 9)).containsExactly(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L);
        assertThat(sleeps).allMatch(millis -> millis >= 10 && millis <= 1000);
        long sleptMillis = sleeps.stream().mapToLong(Long::longValue).sum();
        assertThat(sleptMillis).isGreaterThan(290_000); // 300 failures took about 5 minutes, not a hot loop

        List<String> warnings = lines.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings.getFirst()).contains("control socket /tmp/x: accept failed (1 in a row)")
                .contains("Too many open files");
        // One line first, then at most one per 10 s of the ~293 s: about 30, not 300.
        assertThat(warnings).hasSizeBetween(2, 1 + (int) (sleptMillis / 10_000) + 1);
        assertThat(lines.list.getLast().getFormattedMessage())
                .isEqualTo("control socket /tmp/x: accepting again after 300 failed accept(s)");

        // A new run of failures starts again at 10 ms, and its first failure is logged at once.
        sleeps.clear();
        int before = lines.list.size();
        acceptLoop(backoff, 2);
        assertThat(sleeps).containsExactly(10L, 20L);
        assertThat(lines.list.get(before).getFormattedMessage()).contains("accept failed (1 in a row)");
    }
}
