package io.workerpool.internal.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.ThrowableData;
import io.workerpool.internal.wire.WireOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** Buffering before connect, thresholds from the master, and what happens when sending fails. */
class LogForwarderTest {
    private final RecordingSink sink = new RecordingSink();

    @Test
    void beforeConnectEverythingIsBufferedInOrderThenFlushed() {
        LogForwarder forwarder = new LogForwarder(100);
        Logger early = forwarder.getLogger("early");
        assertThat(early.isTraceEnabled()).as("nothing known yet: forward everything").isTrue();
        early.trace("one");
        early.debug("two");
        forwarder.getLogger("other").info("three");

        forwarder.connect(sink, 20);
        early.info("four");

        assertThat(sink.messages()).containsExactly("one", "two", "three", "four");
        assertThat(forwarder.droppedCount()).isZero();
    }

    @Test
    void connectQueriesKnownNamesWhichForwardEverythingUntilTheMasterAnswers() {
        LogForwarder forwarder = new LogForwarder(100);
        Logger a = forwarder.getLogger("a.b");
        Logger c = forwarder.getLogger("c");

        forwarder.connect(sink, 20);

        assertThat(sink.queries).singleElement().satisfies(names -> assertThat(names).containsExactlyInAnyOrder("a.b", "c"));
        assertThat(a.isTraceEnabled()).as("no answer yet: the master filters").isTrue();
        a.debug("sent before the answer");

        forwarder.applyLevels(Map.of("a.b", 20, "c", 10));
        assertThat(a.isDebugEnabled()).isFalse();
        assertThat(a.isInfoEnabled()).isTrue();
        assertThat(c.isDebugEnabled()).isTrue();
        assertThat(c.isTraceEnabled()).isFalse();
        a.debug("not sent after the answer");
        assertThat(sink.messages()).containsExactly("sent before the answer");
    }

    @Test
    void loggersWhoseQueryCannotBeSentTakeTheRootLevel() {
        LogForwarder forwarder = new LogForwarder(100);
        Logger early = forwarder.getLogger("early");
        sink.failQueries = true;

        forwarder.connect(sink, 30);
        Logger late = forwarder.getLogger("late");

        assertThat(early.isInfoEnabled()).isFalse();
        assertThat(early.isWarnEnabled()).isTrue();
        assertThat(late.isInfoEnabled()).isFalse();
        assertThat(late.isWarnEnabled()).isTrue();
    }

    @Test
    void manyKnownNamesAreQueriedInSlices() {
        LogForwarder forwarder = new LogForwarder(10);
        IntStream.range(0, 2500).forEach(i -> forwarder.getLogger("logger." + i));
        forwarder.connect(sink, 20);
        assertThat(sink.queries).extracting(List::size).containsExactly(1000, 1000, 500);
        assertThat(sink.queriedNames()).hasSize(2500).doesNotHaveDuplicates();
    }

    @Test
    void loggerCreatedAfterConnectIsQueriedAndForwardsEverythingUntilTheMasterAnswers() {
        LogForwarder forwarder = new LogForwarder(100);
        forwarder.connect(sink, 30);
        Logger late = forwarder.getLogger("late");
        assertThat(sink.queriedNames()).containsExactly("late");
        // Its first records, logged before the answer can arrive, are sent: the master's level for "late" may
        // well enable them, and the master drops what it doesn't.
        assertThat(late.isTraceEnabled()).isTrue();
        late.debug("right after getLogger");
        assertThat(sink.messages()).containsExactly("right after getLogger");

        forwarder.getLogger("late");
        assertThat(sink.queriedNames()).as("asked once per name").containsExactly("late");

        forwarder.applyLevels(Map.of("late", 10, "never.created", 0));
        assertThat(late.isDebugEnabled()).isTrue();
        assertThat(late.isTraceEnabled()).isFalse();
    }

    @Test
    void overflowBeforeConnectIsCountedAndReportedInAWarning() {
        LogForwarder forwarder = new LogForwarder(3);
        Logger logger = forwarder.getLogger("chatty");
        IntStream.range(0, 5).forEach(i -> logger.info("m{}", i));
        assertThat(forwarder.droppedCount()).isEqualTo(2);

        forwarder.connect(sink, 0);

        assertThat(sink.messages()).hasSize(4).startsWith("m0", "m1", "m2");
        ForwardedLogRecord warning = sink.records.get(3);
        assertThat(warning.level()).isEqualTo(30);
        assertThat(warning.loggerName()).isEqualTo("io.workerpool.Worker");
        assertThat(warning.message()).startsWith("2 log records emitted before this worker connected")
                .contains("at most 3");
    }

    @Test
    void failedSendsAreCountedAndDoNotThrow() {
        LogForwarder forwarder = new LogForwarder(10);
        forwarder.connect(sink, 0);
        sink.failWhen = r -> r.message().startsWith("lost");
        Logger logger = forwarder.getLogger("x");

        logger.info("kept 1");
        logger.info("lost 1");
        logger.error("lost 2", new IllegalStateException());
        logger.info("kept 2");

        assertThat(sink.messages()).containsExactly("kept 1", "kept 2");
        assertThat(forwarder.droppedCount()).isEqualTo(2);
    }

    @Test
    void runtimeExceptionFromTheSinkDoesNotReachTheCaller() {
        LogForwarder forwarder = new LogForwarder(10);
        forwarder.connect(new LogSink() {
            @Override
            public void send(ForwardedLogRecord record) {
                throw new IllegalStateException("bug in the sink");
            }

            @Override
            public void queryLevels(List<String> loggerNames) {
                throw new IllegalStateException("bug in the sink");
            }
        }, 0);
        forwarder.getLogger("y").info("nothing happens to the caller");
        assertThat(forwarder.droppedCount()).isEqualTo(1);
    }

    @Test
    void recordLoggedFromInsideTheSinkIsDroppedInsteadOfInterleavingFrames() {
        LogForwarder forwarder = new LogForwarder(10);
        Logger inner = forwarder.getLogger("inner");
        List<String> sent = new ArrayList<>();
        forwarder.connect(new LogSink() {
            @Override
            public void send(ForwardedLogRecord record) {
                inner.warn("logged by the sink while sending " + record.message());
                sent.add(record.message());
            }

            @Override
            public void queryLevels(List<String> loggerNames) {
            }
        }, 0);
        forwarder.getLogger("outer").info("outer record");
        assertThat(sent).containsExactly("outer record");
        assertThat(forwarder.droppedCount()).isEqualTo(1);
    }

    @Test
    void recordTooLargeForAFrameIsSentTruncated() {
        LogForwarder forwarder = new LogForwarder(10);
        forwarder.connect(sink, 0);
        // As FrameChannel does: refuse a payload over the frame limit.
        sink.failWhen = r -> encodedSize(r) > Message.MAX_FRAME_BYTES;
        sink.failure = new ProtocolException("frame too large");
        String huge = "x".repeat(2 * Message.MAX_FRAME_BYTES);
        Throwable deep = new IllegalStateException("deep");
        for (int i = 0; i < 5; i++) {
            deep = new RuntimeException("level " + i, deep);
        }
        deep.setStackTrace(new Throwable().getStackTrace()); // any stack, to check the cut
        StackTraceElement[] longStack = new StackTraceElement[500];
        java.util.Arrays.fill(longStack, new StackTraceElement("com.acme.Recursive", "call", "Recursive.java", 7));
        deep.getCause().setStackTrace(longStack);

        forwarder.getLogger("big").error(huge, deep);

        assertThat(forwarder.droppedCount()).isZero();
        ForwardedLogRecord sent = sink.records.getFirst();
        assertThat(encodedSize(sent)).isLessThan(Message.MAX_FRAME_BYTES);
        assertThat(sent.message()).startsWith("xxxx").contains("more characters cut");
        ThrowableData cause = sent.throwable().cause();
        assertThat(cause.stack()).hasSize(RecordTruncation.MAX_FRAMES_PER_THROWABLE);
        assertThat(cause.message()).isEqualTo("level 3 [stack cut to the top 64 of 500 frames to fit the worker channel]");
        assertThat(cause.cause().message()).startsWith("level 2");
        assertThat(cause.cause().cause().cause().cause().message()).startsWith("deep");
    }

    @Test
    void concurrentLoggingDuringConnectKeepsBufferedRecordsFirst() throws Exception {
        LogForwarder forwarder = new LogForwarder(1000);
        Logger logger = forwarder.getLogger("race");
        for (int i = 0; i < 500; i++) {
            logger.info("early {}", i);
        }
        CountDownLatch started = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> {
            started.countDown();
            for (int i = 0; i < 500; i++) {
                logger.info("late {}", i);
            }
        });
        started.await();
        forwarder.connect(sink, 0);
        writer.join();

        List<String> messages = sink.messages();
        assertThat(messages).hasSize(1000);
        assertThat(messages.subList(0, 500)).allMatch(m -> m.startsWith("early"));
        assertThat(messages.stream().filter(m -> m.startsWith("late")).toList())
                .containsExactlyElementsOf(IntStream.range(0, 500).mapToObj(i -> "late " + i).toList());
    }

    @Test
    void connectTwiceIsRefused() {
        LogForwarder forwarder = new LogForwarder(10);
        forwarder.connect(sink, 0);
        assertThatThrownBy(() -> forwarder.connect(sink, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already connected");
    }

    private static int encodedSize(ForwardedLogRecord record) {
        WireOutput out = new WireOutput();
        record.write(out);
        return 1 + out.size();
    }
}
