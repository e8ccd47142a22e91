package io.workerpool.internal.master;

import io.workerpool.internal.core.PoolEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * The master loop's single queue of {@link PoolEvent}s, and calls from other threads that wait for their result
 * on the loop thread. A call never waits forever: once the loop has ended ({@link #close()}), a call still queued
 * and every later one fails with the refusal its caller gave; whatever the call throws on the loop thread, an
 * {@code Error} too, is thrown to its caller and does not end the loop.
 */
final class LoopQueue {
    private final LinkedBlockingQueue<PoolEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    /** Results of calls, handed to their callers after the loop has executed the event's commands. */
    private final List<Runnable> afterEvent = new ArrayList<>();

    void add(PoolEvent event) {
        events.add(event);
    }

    PoolEvent take() throws InterruptedException {
        return events.take();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Runs {@code action} on the loop thread and returns its result (the caller is not the loop thread).
     *
     * @param refusal the exception for a call the loop will never run
     */
    <T> T call(Supplier<T> action, Supplier<RuntimeException> refusal) {
        CompletableFuture<T> result = new CompletableFuture<>();
        PoolEvent.Call event = new PoolEvent.Call(() -> {
            // The caller hears back once the loop has carried out what the call decided (say, the line about a
            // logs-reopen written to the log), not before: see afterEvent().
            try {
                T value = action.get();
                afterEvent.add(() -> result.complete(value));
            } catch (Throwable e) {
                afterEvent.add(() -> result.completeExceptionally(e));
            }
        }, () -> result.completeExceptionally(refusal.get()));
        if (closed) {
            throw refusal.get();
        }
        events.add(event);
        // The loop may have ended between the check and the add: then close() drained the call, or it is still
        // queued and refused here. Whoever removes it from the queue first completes it.
        if (closed && events.remove(event)) {
            event.refuse().run();
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Called by the loop thread once it has handled an event and executed its commands. */
    void afterEvent() {
        for (Runnable done : afterEvent) {
            done.run();
        }
        afterEvent.clear();
    }

    /** The loop has ended: refuses every call still queued and every call from now on. */
    void close() {
        afterEvent(); // a call the last event ran gets its answer
        closed = true;
        List<PoolEvent> left = new ArrayList<>();
        events.drainTo(left);
        for (PoolEvent event : left) {
            if (event instanceof PoolEvent.Call call) {
                call.refuse().run();
            }
        }
    }
}
