package io.workerpool.bench;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.nio.file.Path;

/**
 * The pool of the restart, cold start and footprint figures: N workers that stamp in onStart and then idle.
 * Usage: {@code RestartPool STAMP_FILE WORKERS}. The harness SIGKILLs workers and times their replacements.
 * System properties: {@code bench.workerJvmOptions} (space-separated) adds JVM options for the workers only,
 * {@code bench.stopTimeoutSeconds} (default 5) is the pool's stop timeout, {@code bench.aotCache} a file for
 * {@code aotCache(...)}.
 */
public final class RestartPool {
    private RestartPool() {
    }

    /** Stamps in onStart (the moment the master would call it ready), then idles. */
    static final class StampingWorker extends Worker {
        StampingWorker(int id, Path stamps) {
            super(id);
            onStart(() -> IdleWork.ready(stamps, id));
        }

        @Override
        protected void main() throws InterruptedException {
            IdleWork.idle(this::isRunning);
        }
    }

    public static void main(String[] args) {
        Path stamps = Path.of(args[0]);
        int workers = Integer.parseInt(args[1]);
        String[] workerOptions = System.getProperty("bench.workerJvmOptions", "").trim().split("\\s+");
        Supervisor.Builder builder = Supervisor.builder(id -> new StampingWorker(id, stamps));
        String aotCache = System.getProperty("bench.aotCache");
        if (aotCache != null) {
            builder.aotCache(Path.of(aotCache));
        }
        builder.workers(workers)
                .stopTimeout(java.time.Duration.ofSeconds(Long.getLong("bench.stopTimeoutSeconds", 5)))
                .workerJvmOptions(workerOptions[0].isEmpty() ? new String[0] : workerOptions)
                .build()
                .main();
    }
}
