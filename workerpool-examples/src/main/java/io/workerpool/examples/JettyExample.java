package io.workerpool.examples;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP server in every worker: each worker JVM runs an embedded Jetty 12 on the pool's shared socket,
 * so N JVMs serve one port. Jetty starts in the worker's onStart, and stops gracefully in its onShutdown:
 * requests in flight get up to 10 s to finish. Every response says which worker answered.
 *
 * <p>System properties: {@code workerpool.example.port} (default 8080), {@code workerpool.example.workers}
 * (default 2). Run: {@code ./run-example jetty}, then {@code curl http://127.0.0.1:8080/}.
 */
public final class JettyExample {
    private static final Logger log = LoggerFactory.getLogger(JettyExample.class);
    private static final Duration DRAIN = Duration.ofSeconds(10); // Jetty's budget for requests in flight

    /** Runs Jetty on the shared socket; main() only waits for the stop. */
    static final class JettyWorker extends Worker {
        // Created in the worker JVM only: the factory never runs in the master.
        private final Server server = new Server();

        JettyWorker(int id) {
            super(id);
            onStart(this::startJetty);
            onShutdown(this::stopJetty);
        }

        private void startJetty() throws Exception {
            ServerConnector connector = new ServerConnector(server);
            connector.open(listenChannel()); // accept on the master's socket instead of binding a new one
            server.addConnector(connector);
            String body = "hello from worker " + id() + " (pid " + ProcessHandle.current().pid() + ")\n";
            // GracefulHandler counts requests in flight, so that stop() waits for them (up to the stop timeout).
            server.setHandler(new GracefulHandler(new Hello(body)));
            server.setStopTimeout(DRAIN.toMillis());
            server.start();
        }

        @Override
        protected void main() {
            // Jetty's own threads serve the requests; this thread just waits for the stop.
            while (isRunning()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return; // Ctrl-C: onShutdown still stops Jetty
                }
            }
        }

        private void stopJetty() throws Exception {
            try {
                server.stop(); // stops accepting, lets requests in flight finish, then closes
            } catch (TimeoutException e) {
                logger().warn("requests still running after {}, cut off", DRAIN);
            }
        }
    }

    /** Answers every request with the same plain-text body. */
    static final class Hello extends Handler.Abstract.NonBlocking {
        private final String body;

        Hello(String body) {
            this.body = body;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            Content.Sink.write(response, true, body, callback);
            return true;
        }
    }

    public static void main(String[] args) {
        int port = Integer.getInteger("workerpool.example.port", 8080);
        int workers = Integer.getInteger("workerpool.example.workers", 2);
        Supervisor pool = Supervisor.builder(JettyWorker::new)
                .workers(workers)
                .listen(new InetSocketAddress("127.0.0.1", port))
                .stopTimeout(DRAIN.plusSeconds(5)) // longer than Jetty's drain, so a draining worker isn't killed
                .build();
        pool.onStart(() -> log.info("{} Jetty workers will serve http://127.0.0.1:{}/", workers, port));
        pool.main();
    }
}
