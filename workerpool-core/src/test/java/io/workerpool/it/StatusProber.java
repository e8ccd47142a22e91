package io.workerpool.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Asks a master for {@code status} on its management socket every 100 ms, from a daemon thread, and keeps the
 * slowest answer and the first failure: what the hostile tests check after each act ("the master answers status
 * within 1 s throughout").
 */
final class StatusProber implements AutoCloseable {
    private final Path socket;
    private final AtomicLong slowestMs = new AtomicLong();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Thread thread;
    /** Held by each probe, and by {@link #pausedDuring} so that no probe overlaps what the test does then. */
    private final ReentrantLock probing = new ReentrantLock();

    StatusProber(Path socket) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().daemon().name("status-prober").start(this::probe);
    }

    /** Forgets what was measured so far. */
    void reset() {
        slowestMs.set(0);
        failure.set(null);
    }

    long slowestMs() {
        return slowestMs.get();
    }

    /** The first answer that was not {@code ok {...}}, or the first I/O error, or null. */
    String failure() {
        return failure.get();
    }

    /**
     * Runs {@code action} with no probe in flight: for what the test itself does to the master that the pool is
     * not answerable for (a heap histogram stops the master's JVM for a full GC and a heap walk).
     */
    <T> T pausedDuring(Callable<T> action) throws Exception {
        probing.lock();
        try {
            return action.call();
        } finally {
            probing.unlock();
        }
    }

    private void probe() {
        while (!Thread.currentThread().isInterrupted()) {
            probing.lock();
            try {
                long start = System.nanoTime();
                try {
                    String answer = ManagementSocketTest.request(socket, "status");
                    if (!answer.startsWith("ok {")) {
                        failure.compareAndSet(null, answer);
                    }
                } catch (IOException e) {
                    failure.compareAndSet(null, e.toString());
                }
                slowestMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
            } finally {
                probing.unlock();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(5_000);
    }
}
