package io.workerpool.testapp;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@code java.util.logging.config.class} that holds a worker JVM in its boot, after it said hello to the master
 * and before it asks for the pool's listening socket, for as long as the file {@code -Dhold=...} exists (at most
 * 60 s): the worker runtime's first use of java.util.logging instantiates it. It records
 * {@code worker-held pid} when it starts holding. In the master (no worker id in the environment) it does
 * nothing.
 */
public final class HoldingJulConfig {
    public HoldingJulConfig() throws InterruptedException {
        String hold = System.getProperty("hold");
        if (System.getenv("WORKERPOOL_WORKER_ID") == null || hold == null || !Files.exists(Path.of(hold))) {
            return;
        }
        TestPool.record(Path.of(System.getProperty("events")), "worker-held " + ProcessHandle.current().pid());
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Files.exists(Path.of(hold)) && System.nanoTime() < deadline) {
            Thread.sleep(20); // polls the test's release: the test deletes the file
        }
    }
}
