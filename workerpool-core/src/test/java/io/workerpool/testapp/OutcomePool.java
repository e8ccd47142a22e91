package io.workerpool.testapp;

import io.workerpool.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A pool whose master, once running, records the outcome of each operation future: scale up, a refused restart,
 * a reload, scale down, then a reload cut short by a stop. Every future must complete.
 */
public final class OutcomePool {
    private OutcomePool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Supervisor supervisor = Supervisor.builder(id -> new TestPool.TestWorker(id, "loop", events))
                .workers(1).checkInterval(Duration.ofMillis(200)).build();
        if (!Supervisor.isWorkerProcess()) {
            Thread.ofPlatform().daemon().start(() -> drive(supervisor, events));
        }
        supervisor.main();
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    private static void drive(Supervisor supervisor, Path events) {
        try {
            while (!Files.exists(events) || Files.readAllLines(events).stream().noneMatch(l -> l.startsWith("worker-main 0 "))) {
                Thread.sleep(20);
            }
            record(events, "scale-up", supervisor.scaleAsync(2));
            record(events, "restart-unknown", supervisor.restartWorkerAsync(7));
            record(events, "reload", supervisor.reloadAsync());
            record(events, "scale-down", supervisor.scaleAsync(1));
            CompletableFuture<String> cut = supervisor.reloadAsync();
            supervisor.terminate();
            record(events, "reload-stopped", cut);
        } catch (Exception e) {
            TestPool.record(events, "driver-failed " + e);
        }
    }

    private static void record(Path events, String what, CompletableFuture<String> future) throws Exception {
        try {
            TestPool.record(events, what + " done: " + future.get(60, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            TestPool.record(events, what + " failed: " + e.getCause().getMessage());
        }
    }
}
