package io.workerpool.internal.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.workerpool.PoolStartException;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.metrics.PoolMetrics;
import io.workerpool.internal.metrics.PoolMetricsProvider;
import io.workerpool.internal.metrics.PoolSnapshot;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.core.PoolObserver;

/**
 * The master's HTTP port for probes and scrapers ({@code metrics(address)}): {@code /healthz}, {@code /readyz}
 * and {@code /metrics}, on the JDK's own HTTP server. The HTTP threads never touch the pool: the loop
 * {@linkplain #publish publishes} an immutable {@link PoolSnapshot} after every event, and the handlers read
 * that. {@code /metrics} comes from the optional workerpool-metrics module, found with {@link ServiceLoader};
 * without it the health endpoints still work and {@code /metrics} says what to add.
 *
 * <p>Bounded (the port is often reachable by anyone on the network): the JDK server is started with its own
 * limits, {@link #LIMITS}, set as system properties before the first server of this JVM is created (the JDK reads
 * them once, when its {@code sun.net.httpserver.ServerConfig} loads; a value the user set is kept): at most
 * {@value #MAX_CONNECTIONS} connections (past that the server stops accepting until one closes: the rest wait in
 * the kernel's backlog, not in the master's descriptors), a request must arrive whole within
 * {@value #MAX_REQUEST_SECONDS} s and a response be written within {@value #MAX_RESPONSE_SECONDS} s, a connection
 * that sends nothing is closed after at most {@value #MAX_REQUEST_SECONDS} s (checked every
 * {@value #IDLE_CHECK_MILLIS} ms), an idle keep-alive one after {@value #IDLE_SECONDS} s.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final String TEXT = "text/plain; charset=utf-8";
    static final String MODULE_MISSING = "/metrics needs the workerpool-metrics module: add the dependency"
            + " io.workerpool:workerpool-metrics to the master's class path (or module path)";

    static final int MAX_CONNECTIONS = 32;
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_RESPONSE_SECONDS = 10;
    static final int IDLE_SECONDS = 30;
    static final int IDLE_CHECK_MILLIS = 1000;
    /** The JDK 25 HttpServer's limits (jdk.httpserver's ServerConfig), in the units it reads them. */
    static final java.util.Map<String, String> LIMITS = java.util.Map.of(
            "jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS),
            "sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS),
            "sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS),
            "sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS),
            "sun.net.httpserver.clockTick", Integer.toString(IDLE_CHECK_MILLIS),
            "sun.net.httpserver.maxReqHeaders", "100",
            "sun.net.httpserver.maxReqHeaderSize", Integer.toString(64 * 1024));

    private final HttpServer server;
    private final ExecutorService threads;
    private final InetSocketAddress address;
    private final Duration livenessWindow;
    /** Null when the workerpool-metrics module is absent. */
    private final PoolMetrics metrics;
    private volatile PoolSnapshot snapshot;
    private volatile long lastCheckNanos;

    private MetricsServer(PoolConfig config, HttpServer server, ExecutorService threads, PoolMetrics metrics,
            PoolSnapshot initial) {
        this.server = server;
        this.threads = threads;
        this.address = server.getAddress();
        this.livenessWindow = PoolHealth.livenessWindow(config.checkInterval());
        this.metrics = metrics;
        this.snapshot = initial;
        this.lastCheckNanos = initial.takenNanos();
    }

    /**
     * Loads the metrics module if present, binds the address and starts serving.
     *
     * @throws PoolStartException when the address can't be bound (in use, not this machine's) or the metrics
     *     module is present but can't be loaded
     */
    public static MetricsServer start(PoolConfig config, io.workerpool.internal.metrics.WorkerTelemetry telemetry) {
        int workers = config.workerIds().size();
        PoolSnapshot initial = PoolSnapshot.starting(workers, PoolSnapshot.needed(workers, config.readyShare()));
        MetricsServer[] self = new MetricsServer[1];
        PoolMetrics metrics = loadMetrics(() -> self[0] == null ? initial : self[0].snapshot, telemetry);
        LIMITS.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
        HttpServer server;
        try {
            server = HttpServer.create(config.metrics(), 64);
        } catch (BindException e) {
            throw new PoolStartException("cannot serve /healthz, /readyz and /metrics on " + format(config.metrics())
                    + ": " + e.getMessage() + " (another process, or listen(...), has that port?); choose another"
                    + " address with metrics(...) (CLI: --metrics HOST:PORT)", e);
        } catch (IOException e) {
            throw new PoolStartException("cannot serve /healthz, /readyz and /metrics on " + format(config.metrics())
                    + ": " + e.getMessage(), e);
        }
        // A thread per request: a slow scraper never delays a probe.
        ExecutorService threads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("workerpool-http-", 0).factory());
        server.setExecutor(threads);
        MetricsServer metricsServer = new MetricsServer(config, server, threads, metrics, initial);
        self[0] = metricsServer;
        server.createContext("/", metricsServer::handle);
        server.start();
        LOG.info("serving http://{}/healthz, /readyz and /metrics", format(metricsServer.address));
        if (metrics == null) {
            LOG.warn("metrics({}) is set but the workerpool-metrics module is missing: /healthz and /readyz work,"
                    + " {}", format(config.metrics()), MODULE_MISSING);
        }
        return metricsServer;
    }

    private static PoolMetrics loadMetrics(java.util.function.Supplier<PoolSnapshot> snapshots,
            io.workerpool.internal.metrics.WorkerTelemetry telemetry) {
        try {
            return ServiceLoader.load(PoolMetricsProvider.class).findFirst()
                    .map(provider -> provider.create(snapshots, telemetry)).orElse(null); // issue 16
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            throw new PoolStartException("cannot load the workerpool-metrics module for /metrics: " + e
                    + "; check that its dependencies (io.prometheus:prometheus-metrics-core and"
                    + " prometheus-metrics-exposition-textformats) are on the class path too", e);
        }
    }

    /** The bound address (the real port when port 0 was asked for). */
    public InetSocketAddress address() {
        return address;
    }

    /** Counts what the pool reports into the metrics; does nothing without the metrics module. */
    public PoolObserver observer() {
        return metrics == null ? new PoolObserver() { } : new MetricsObserver(metrics);
    }

    /** Counts one replayed log record; called from log-reader threads. Null without the metrics module. */
    public Runnable logRecordCounter() {
        return metrics == null ? null : metrics::logRecordForwarded;
    }

    /**
     * The loop's news, on the loop thread: a fresh snapshot after every event; {@code checked} when the event
     * was the loop's periodic check (or the loop starts), which is what liveness watches.
     */
    public void publish(PoolSnapshot next, boolean checked) {
        snapshot = next;
        if (checked) {
            lastCheckNanos = next.takenNanos();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, TEXT, text("method " + method + " not allowed: use GET"));
                return;
            }
            PoolSnapshot current = snapshot;
            switch (exchange.getRequestURI().getPath()) {
                case "/healthz" -> respond(exchange, PoolHealth.liveness(current, lastCheckNanos, System.nanoTime(),
                        livenessWindow));
                case "/readyz" -> respond(exchange, PoolHealth.readiness(current));
                case "/metrics" -> {
                    if (metrics == null) {
                        respond(exchange, 404, TEXT, text(MODULE_MISSING));
                    } else {
                        PoolMetrics.Exposition exposition = metrics.expose(
                                exchange.getRequestHeaders().getFirst("Accept"));
                        respond(exchange, 200, exposition.contentType(), exposition.body());
                    }
                }
                default -> respond(exchange, 404, TEXT, text("not found: this port serves /healthz, /readyz and"
                        + " /metrics"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("http {}: {}", exchange.getRequestURI(), e.toString());
        }
    }

    private static void respond(HttpExchange exchange, PoolHealth.Answer answer) throws IOException {
        respond(exchange, answer.status(), TEXT, text(answer.body()));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    private static byte[] text(String line) {
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    /** Feeds the counters from the pool's news, on the loop thread. */
    private record MetricsObserver(PoolMetrics metrics) implements PoolObserver {
        @Override
        public void workerExited(int id, long pid, int status, ExitCause cause) {
            metrics.workerExited(cause.label());
        }

        @Override
        public void workerRestarting(int id) {
            metrics.workerRestarting();
        }

        @Override
        public void workerRecycling(int id, String cause) {
            metrics.workerRecycling(cause);
        }

        @Override
        public void replacementEnded(String kind, String result) {
            metrics.replacementEnded(kind, result);
        }
    }
}
