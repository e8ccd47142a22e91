package io.workerpool.internal.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.internal.core.PoolEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Calls into the master loop (issue 11): each one completes or fails, none waits forever. */
@Timeout(60)
class LoopQueueTest {
    private static IllegalStateException refused() {
        return new IllegalStateException("the pool is STOPPED");
    }

    /** A loop thread that runs calls until the queue is closed by {@code stop}. */
    private static Thread loop(LoopQueue queue, AtomicInteger runs, int stopAfter) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                while (runs.get() < stopAfter) {
                    if (queue.take() instanceof PoolEvent.Call call) {
                        call.action().run();
                        queue.afterEvent();
                        runs.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                queue.close();
            }
        });
    }

    @Test
    void aCallAfterTheLoopEndedFailsAtOnce() {
        LoopQueue queue = new LoopQueue();
        queue.close();
        assertThatThrownBy(() -> queue.call(() -> 1, LoopQueueTest::refused)).hasMessage("the pool is STOPPED");
    }

    @Test
    void aCallStillQueuedWhenTheLoopEndsFails() throws Exception {
        LoopQueue queue = new LoopQueue();
        CompletableFuture<Object> caller = CompletableFuture.supplyAsync(() -> queue.call(() -> 1,
                LoopQueueTest::refused));
        // the call is queued, the loop never takes it and ends
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!queueHasACall(queue) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        queue.close();
        assertThatThrownBy(() -> caller.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
    }

    private static boolean queueHasACall(LoopQueue queue) {
        try {
            var field = LoopQueue.class.getDeclaredField("events");
            field.setAccessible(true);
            return !((java.util.Collection<?>) field.get(queue)).isEmpty();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anErrorInACallReachesItsCallerAndTheLoopGoesOn() throws Exception {
        LoopQueue queue = new LoopQueue();
        AtomicInteger runs = new AtomicInteger();
        Thread loop = loop(queue, runs, 2);
        assertThatThrownBy(() -> queue.call(() -> {
            throw new StackOverflowError("on purpose");
        }, LoopQueueTest::refused)).isInstanceOf(StackOverflowError.class);
        assertThat(queue.call(() -> 42, LoopQueueTest::refused)).isEqualTo(42);
        loop.join(10_000);
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    void everyCallCompletesWhileTheLoopEndsUnderThem() throws Exception {
        for (int round = 0; round < 20; round++) {
            LoopQueue queue = new LoopQueue();
            AtomicInteger runs = new AtomicInteger();
            loop(queue, runs, 50 + round * 10);
            List<CompletableFuture<Void>> callers = new ArrayList<>();
            AtomicInteger refusedCalls = new AtomicInteger();
            for (int t = 0; t < 4; t++) {
                callers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 200; i++) {
                        try {
                            queue.call(() -> 1, LoopQueueTest::refused);
                        } catch (IllegalStateException e) {
                            refusedCalls.incrementAndGet();
                        }
                    }
                }, r -> Thread.ofPlatform().daemon().start(r)));
            }
            CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(runs.get() + refusedCalls.get()).isEqualTo(800);
        }
    }
}
