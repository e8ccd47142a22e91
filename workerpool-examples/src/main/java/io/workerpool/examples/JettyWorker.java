package io.workerpool.examples;

import io.workerpool.Worker;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Runs an embedded Jetty 12 on the pool's shared socket: Jetty starts in onStart and stops gracefully in
 * onShutdown (requests in flight get up to {@link #DRAIN}); every response names the worker that answered.
 *
 * <p>Public with a public {@code (int id)} constructor, so the CLI can run it:
 * {@code ./workerpool run --listen 127.0.0.1:8080 --classpath 'workerpool-examples/target/workerpool-examples.jar:workerpool-examples/target/lib/*' io.workerpool.examples.JettyWorker}.
 */
public final class JettyWorker extends Worker {
    /** Jetty's budget for requests in flight at a stop; the pool's stop timeout must be longer. */
    public static final Duration DRAIN = Duration.ofSeconds(10);

    /** How long a stopping worker keeps serving its open connections, each for one last request. */
    public static final Duration CONNECTION_DRAIN = Duration.ofSeconds(2);

    // Created in the worker JVM only: the factory never runs in the master.
    private final Server server = new Server();
    private final AtomicBoolean draining = new AtomicBoolean();
    private ServerConnector connector;

    /** Called by the pool (or the CLI) in the worker JVM, with the worker's id. */
    public JettyWorker(int id) {
        super(id);
        onStart(this::startJetty);
        onShutdown(this::stopJetty);
    }

    /**
     * The same server alone in this JVM, without the library, bound to {@code port} on 127.0.0.1: as many
     * acceptors, selectors and pool threads as {@code workers} workers have together. Serves until killed.
     */
    static void serveAlone(int port, int workers) throws Exception {
        int perWorkerThreads = new org.eclipse.jetty.util.thread.QueuedThreadPool().getMaxThreads();
        Server alone = new Server(new org.eclipse.jetty.util.thread.QueuedThreadPool(perWorkerThreads * workers));
        int selectorsPerWorker = new ServerConnector(new Server()).getSelectorManager().getSelectorCount();
        ServerConnector connector = new ServerConnector(alone, workers, selectorsPerWorker * workers);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        alone.addConnector(connector);
        alone.setHandler(new Hello("hello from worker 0 (pid " + ProcessHandle.current().pid() + ", alone)\n",
                new AtomicBoolean()));
        alone.start();
        alone.join();
    }

    private void startJetty() throws Exception {
        connector = new SharedSocketConnector(server);
        connector.open(listenChannel()); // accept on the master's socket instead of binding a new one
        server.addConnector(connector);
        String body = "hello from worker " + id() + " (pid " + ProcessHandle.current().pid() + ")\n";
        // GracefulHandler counts requests in flight, so that stop() waits for them (up to the stop timeout).
        server.setHandler(new GracefulHandler(new Hello(body, draining)));
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
        // The pool has already closed this worker's copy of the shared socket, so new connections go to the
        // other workers. Clients on keep-alive connections here get their next answer with "Connection: close"
        // and reconnect elsewhere, instead of a 503 (Jetty's graceful stop) or a reset (closing under them).
        draining.set(true);
        long deadline = System.nanoTime() + CONNECTION_DRAIN.toNanos();
        while (!connector.getConnectedEndPoints().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        try {
            server.stop(); // stops accepting, lets requests in flight finish, then closes
        } catch (TimeoutException e) {
            logger().warn("requests still running after {}, cut off", DRAIN);
        }
    }

    /** Answers every request with the same plain-text body; closes the connection after it once draining. */
    static final class Hello extends Handler.Abstract.NonBlocking {
        private final String body;
        private final AtomicBoolean draining;

        Hello(String body, AtomicBoolean draining) {
            this.body = body;
            this.draining = draining;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            if (draining.get()) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            Content.Sink.write(response, true, body, callback);
            return true;
        }
    }
}
