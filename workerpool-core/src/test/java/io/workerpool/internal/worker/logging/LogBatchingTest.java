package io.workerpool.internal.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * Records grouped after connect: a batch goes out when full (records or bytes), after the linger, or at
 * flush(); order is kept, and a batch that can't be sent counts all its records as dropped.
 */
class LogBatchingTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    /** Keeps each frame it is given (a batch, or a single record as a batch of one), and can be told to fail. */
    static final class BatchSink implements LogSink {
        final List<List<ForwardedLogRecord>> batches = new CopyOnWriteArrayList<>();
        final List<ForwardedLogRecord> singles = new CopyOnWriteArrayList<>();
        volatile IOException batchFailure;

        @Override
        public void send(ForwardedLogRecord record) {
            singles.add(record);
            // A batch of one goes out as a single record: a frame all the same, in its place in the order.
            batches.add(List.of(record));
        }

        @Override
        public void sendBatch(List<ForwardedLogRecord> records) throws IOException {
            if (batchFailure != null) {
                throw batchFailure;
            }
            batches.add(List.copyOf(records));
        }

        @Override
        public void queryLevels(List<String> loggerNames) {
        }

        List<Integer> sizes() {
            return batches.stream().map(List::size).toList();
        }

        List<String> messages() {
            List<String> all = new ArrayList<>();
            batches.forEach(b -> b.forEach(r -> all.add(r.message())));
            return all;
        }
    }

    private final BatchSink sink = new BatchSink();

    @Test
    void aFullBatchIsSentAtOnceAndFlushSendsTheRest() {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(3, 1 << 20, HOUR));
        forwarder.connect(sink, 0);
        Logger log = forwarder.getLogger("x");
        for (int i = 1; i <= 8; i++) {
            log.info("r" + i);
        }
        assertThat(sink.sizes()).containsExactly(3, 3);

        forwarder.flush();

        assertThat(sink.messages()).containsExactly("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8");
        assertThat(sink.singles).extracting(ForwardedLogRecord::message).isEmpty();
        assertThat(sink.batches.getLast()).extracting(ForwardedLogRecord::message).containsExactly("r7", "r8");
        assertThat(forwarder.droppedCount()).isZero();
    }

    @Test
    void aBatchIsCutAtItsByteBound() {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(1000, 200, HOUR));
        forwarder.connect(sink, 0);
        Logger log = forwarder.getLogger("x");
        for (int i = 0; i < 10; i++) {
            log.info("m".repeat(80));
        }
        forwarder.flush();
        assertThat(sink.sizes()).allSatisfy(size -> assertThat(size).isBetween(1, 2));
        assertThat(sink.messages()).hasSize(10);
    }

    @Test
    void aLoneRecordIsSentByTheFlusherWithoutAFlush() throws InterruptedException {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(1000, 1 << 20,
                TimeUnit.MILLISECONDS.toNanos(1)));
        forwarder.connect(sink, 0);
        Logger log = forwarder.getLogger("x");
        log.info("a");
        log.info("b");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sink.messages().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(sink.messages()).containsExactly("a", "b");
    }

    @Test
    void aBatchTheSinkCannotTakeCountsEveryRecordAsDropped() {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(4, 1 << 20, HOUR));
        forwarder.connect(sink, 0);
        sink.batchFailure = new IOException("master gone");
        Logger log = forwarder.getLogger("x");
        for (int i = 0; i < 6; i++) {
            log.info("r" + i);
        }
        forwarder.flush();
        assertThat(sink.batches).isEmpty();
        assertThat(forwarder.droppedCount()).isEqualTo(6);
    }

    @Test
    void aBatchOverTheFrameLimitIsSentOneRecordAtATime() {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(3, 1 << 20, HOUR));
        forwarder.connect(sink, 0);
        sink.batchFailure = new ProtocolException("frame too large");
        Logger log = forwarder.getLogger("x");
        log.info("a");
        log.info("b");
        log.info("c");
        assertThat(sink.singles).extracting(ForwardedLogRecord::message).containsExactly("a", "b", "c");
        assertThat(forwarder.droppedCount()).isZero();
    }

    @Test
    void manyThreadsKeepEachThreadsOrderAndLoseNothing() throws Exception {
        LogForwarder forwarder = new LogForwarder(10, new LogForwarder.Batching(64, 8192,
                TimeUnit.MILLISECONDS.toNanos(2)));
        forwarder.connect(sink, 0);
        int threads = 4;
        int each = 20_000;
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Logger log = forwarder.getLogger("t" + t);
            started.add(Thread.ofPlatform().name("t" + t).start(() -> {
                for (int i = 0; i < each; i++) {
                    log.info(Integer.toString(i));
                }
            }));
        }
        for (Thread t : started) {
            t.join();
        }
        forwarder.flush();

        int[] next = new int[threads];
        int total = 0;
        for (List<ForwardedLogRecord> batch : sink.batches) {
            assertThat(batch.size()).isLessThanOrEqualTo(64 + threads);
            for (ForwardedLogRecord r : batch) {
                int t = Integer.parseInt(r.loggerName().substring(1));
                if (Integer.parseInt(r.message()) != next[t]++) {
                    failed.set(true);
                }
                total++;
            }
        }
        assertThat(failed).as("each thread's records in the order it logged them").isFalse();
        assertThat(total).isEqualTo(threads * each);
        assertThat(forwarder.droppedCount()).isZero();
    }
}
