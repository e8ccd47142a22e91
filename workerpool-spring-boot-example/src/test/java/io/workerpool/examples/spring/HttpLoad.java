package io.workerpool.examples.spring;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients that send {@code GET /} on new connections in a loop until {@link #stop()}: each thread has at
 * most one request in flight, so a worker that dies can fail at most one request per thread.
 */
final class HttpLoad {
    private final int port;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger ok = new AtomicInteger();
    private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    HttpLoad(int port, int threadCount) {
        this.port = port;
        for (int i = 0; i < threadCount; i++) {
            Thread thread = new Thread(this::loop, "http-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void loop() {
        while (running) {
            try {
                SpringPool.Response response = SpringPool.get(port, "/");
                if (response.status() == 200) {
                    ok.incrementAndGet();
                    versions.computeIfAbsent(response.field("version"), v -> new AtomicInteger()).incrementAndGet();
                } else {
                    failures.add("status " + response.status() + ": " + response.body());
                }
            } catch (IOException | RuntimeException e) {
                failures.add(e.toString());
            }
        }
    }

    int threads() {
        return threads.size();
    }

    int ok() {
        return ok.get();
    }

    /** Waits until {@code more} requests more have succeeded (at most 60 s). */
    void awaitOk(int more) throws InterruptedException {
        int target = ok.get() + more;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (ok.get() < target && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (ok.get() < target) {
            throw new AssertionError("the load got " + ok.get() + " answers, not " + target + "; failures: " + failures);
        }
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    Map<String, AtomicInteger> versions() {
        return versions;
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(40_000);
        }
    }
}
