package io.workerpool.examples;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's settings at work: workers' stdout and stderr go to files, a pidfile guards against a
 * second master, a worker silent for 3 s is killed and replaced, and shutdown callbacks run on both sides.
 *
 * <p>Files live in the directory named by the system property {@code workerpool.example.dir} (default
 * {@code ${java.io.tmpdir}/workerpool-supervisor}): {@code stdout.txt}, {@code stderr.txt} and
 * {@code master.pid}. Each worker prints {@code <id> <pid> <time>} to its stdout every second and logs
 * "Print". Run: {@code ./run-example supervisor}, then {@code tail -f /tmp/workerpool-supervisor/stdout.txt}
 * in another terminal. A second {@code ./run-example supervisor} meanwhile is refused: the pidfile is held.
 */
public final class SupervisorExample {
    private static final Logger log = LoggerFactory.getLogger(SupervisorExample.class);

    /** Prints to stdout and logs, once a second; takes a second to shut down. */
    static final class PrintingWorker extends Worker {
        PrintingWorker(int id) {
            super(id);
            // Only stdout/stderr lines land in the files; log records still go to the master's console.
            onStart(() -> System.err.printf("worker %d (pid %d) starting%n", id, ProcessHandle.current().pid()));
            onShutdown(() -> {
                log.info("worker shutdown...");
                Thread.sleep(1000); // stands in for cleanup that takes a while
                log.info("done");
            });
        }

        @Override
        protected void main() {
            long pid = ProcessHandle.current().pid();
            while (isRunning()) {
                System.out.println(id() + " " + pid + " " + Instant.now());
                logger().info("Print");
                try {
                    Thread.sleep(1000); // well inside workerTimeout: the library's heartbeat keeps going anyway
                } catch (InterruptedException e) {
                    return; // Ctrl-C: stop now, onShutdown still runs
                }
            }
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(System.getProperty("workerpool.example.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "workerpool-supervisor").toString()));
        if (!Supervisor.isWorkerProcess()) {
            Files.createDirectories(dir); // only the master opens these files
        }
        Supervisor pool = Supervisor.builder(PrintingWorker::new)
                .workers(2)
                .stdout(dir.resolve("stdout.txt"))
                .stderr(dir.resolve("stderr.txt"))
                .workerTimeout(Duration.ofSeconds(3)) // a frozen worker is replaced after 3 s, not 30
                .pidFile(dir.resolve("master.pid"))
                .build();
        pool.onStart(() -> log.info("pool starting; workers' stdout and stderr go to {}", dir.toAbsolutePath()));
        pool.onShutdown(() -> {
            log.info("sleep...");
            Thread.sleep(1000); // the master's last words may take time too; the pidfile goes after them
            log.info("awaken");
        });
        pool.main();
    }
}
