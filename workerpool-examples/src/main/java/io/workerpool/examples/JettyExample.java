package io.workerpool.examples;

import io.workerpool.Supervisor;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP server in every worker: each worker JVM runs an embedded Jetty 12 on the pool's shared socket,
 * so N JVMs serve one port. Jetty starts in the worker's onStart, and stops gracefully in its onShutdown:
 * requests in flight get up to 10 s to finish. Every response says which worker answered.
 *
 * <p>System properties: {@code workerpool.example.port} (default 8080), {@code workerpool.example.workers}
 * (default 2), {@code workerpool.example.alone} (default false: true runs the same Jetty server alone in this
 * JVM, without the library, with the threads of all the workers together: the benchmark's baseline). Run: {@code ./run-example jetty}, then {@code curl http://127.0.0.1:8080/}. The worker is
 * {@link JettyWorker}, which the {@code workerpool} CLI can also run without this main.
 */
public final class JettyExample {
    private static final Logger log = LoggerFactory.getLogger(JettyExample.class);

    public static void main(String[] args) {
        int port = Integer.getInteger("workerpool.example.port", 8080);
        int workers = Integer.getInteger("workerpool.example.workers", 2);
        if (Boolean.getBoolean("workerpool.example.alone")) {
            try {
                JettyWorker.serveAlone(port, workers);
            } catch (Exception e) {
                log.error("the Jetty server alone failed: {}", e.toString(), e);
                System.exit(1);
            }
            return;
        }
        Supervisor pool = Supervisor.builder(JettyWorker::new)
                .workers(workers)
                .listen(new InetSocketAddress("127.0.0.1", port))
                // Longer than Jetty's drain, so a draining worker isn't killed.
                .stopTimeout(JettyWorker.DRAIN.plusSeconds(5))
                .build();
        pool.onStart(() -> log.info("{} Jetty workers will serve http://127.0.0.1:{}/", workers, port));
        pool.main();
    }
}
