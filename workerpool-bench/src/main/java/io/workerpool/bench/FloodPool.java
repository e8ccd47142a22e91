package io.workerpool.bench;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.nio.file.Path;

/**
 * The pool of the log-forwarding figure: N workers stamp in onStart, wait for the go file, log their records
 * (forwarded to the master, which writes them with its Logback FileAppender), then idle. The master's
 * Logback configuration ({@code flood-logback.xml}) counts the records it wrote with {@link FloodCounter}.
 * Usage: {@code FloodPool STAMP_FILE GO_FILE WORKERS RECORDS_PER_WORKER}.
 */
public final class FloodPool {
    private FloodPool() {
    }

    static final class FloodingWorker extends Worker {
        private final Path go;
        private final long records;

        FloodingWorker(int id, Path stamps, Path go, long records) {
            super(id);
            this.go = go;
            this.records = records;
            onStart(() -> Stamps.append(stamps, id));
        }

        @Override
        protected void main() throws InterruptedException {
            FloodWork.awaitGo(go);
            FloodWork.flood(id(), records);
            // Returning would end the worker, and the master would start another: idle instead.
            IdleWork.idle(this::isRunning);
        }
    }

    public static void main(String[] args) {
        Path stamps = Path.of(args[0]);
        Path go = Path.of(args[1]);
        int workers = Integer.parseInt(args[2]);
        long records = Long.parseLong(args[3]);
        Supervisor.builder(id -> new FloodingWorker(id, stamps, go, records))
                .workers(workers)
                .stopTimeout(java.time.Duration.ofSeconds(5))
                .build()
                .main();
    }
}
