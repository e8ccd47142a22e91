package io.workerpool.testapp;

import io.workerpool.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;

/** A pool whose master, once running, adds worker 5, removes worker 0 and records what it saw. */
public final class AddRemovePool {
    private AddRemovePool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Supervisor supervisor = Supervisor.builder(id -> new TestPool.TestWorker(id, "loop", events))
                .workers(2).checkInterval(Duration.ofMillis(200)).build();
        if (!Supervisor.isWorkerProcess()) {
            Thread.ofPlatform().daemon().start(() -> drive(supervisor, events));
        }
        supervisor.main();
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    private static void drive(Supervisor supervisor, Path events) {
        try {
            while (count(events, "worker-main ") < 2) {
                Thread.sleep(20);
            }
            supervisor.addWorker(5);
            try {
                supervisor.addWorker(1);
            } catch (IllegalArgumentException e) {
                TestPool.record(events, "add-duplicate IllegalArgumentException");
            }
            while (count(events, "worker-main 5 ") < 1) {
                Thread.sleep(20);
            }
            int status = supervisor.removeWorker(0).get();
            TestPool.record(events, "removed 0 status " + status);
            TestPool.record(events, "ids " + new TreeSet<>(supervisor.workerIds()));
        } catch (Exception e) {
            TestPool.record(events, "driver-failed " + e);
        }
    }

    private static long count(Path events, String prefix) throws java.io.IOException {
        return Files.exists(events) ? Files.readAllLines(events).stream().filter(l -> l.startsWith(prefix)).count() : 0;
    }
}
