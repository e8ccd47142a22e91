package io.workerpool.spring;

import io.workerpool.Supervisor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.unit.DataSize;

/**
 * The pool's settings, {@code workerpool.*}, bound from the application's environment with Spring Boot's
 * {@link Binder} (so relaxed names work: {@code WORKERPOOL_WORKERS=4}, {@code workerpool.stopTimeout}) and
 * mapped onto {@link Supervisor.Builder}. A setting that is absent keeps the builder's default, except:
 * <ul>
 * <li>{@code workerpool.listen} defaults to {@code server.address}:{@code server.port} (port 8080 when unset);
 * <li>{@code workerpool.stop-timeout} defaults to {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s
 *     when unset) plus {@link #STOP_MARGIN}, so that Spring's own graceful-shutdown timeout ends first and
 *     the context still closes ({@code @PreDestroy}, {@code SmartLifecycle.stop}) before the master's SIGKILL.
 * </ul>
 */
final class PoolProperties {
    static final String PREFIX = "workerpool";
    static final Duration STOP_MARGIN = Duration.ofSeconds(5);
    private static final Duration SPRING_SHUTDOWN_PHASE_DEFAULT = Duration.ofSeconds(30);
    private static final int SPRING_PORT_DEFAULT = 8080;
    /** WorkerpoolMeterRegistry's lower bound (workerpool-micrometer is optional here: not referenced). */
    private static final long MIN_SHIP_INTERVAL_MILLIS = 100;

    private final Binder binder;

    private PoolProperties(Binder binder) {
        this.binder = binder;
    }

    static PoolProperties bind(ConfigurableEnvironment environment) {
        return new PoolProperties(Binder.get(environment));
    }

    boolean enabled() {
        return get("enabled", Boolean.class, true);
    }

    /** Sets every {@code workerpool.*} property present on {@code builder}, and the Spring-derived defaults. */
    Supervisor.Builder applyTo(Supervisor.Builder builder) {
        ifSet("workers", Integer.class, builder::workers);
        String unix = get("listen-unix", String.class, null);
        if (unix != null) {
            builder.listenUnix(path("listen-unix", unix));
        } else {
            builder.listen(listenAddress());
        }
        ifSet("listen-backlog", Integer.class, builder::listenBacklog);
        builder.stopTimeout(stopTimeout());
        ifSet("worker-timeout", Duration.class, builder::workerTimeout);
        ifSet("check-interval", Duration.class, builder::checkInterval);
        ifPath("pid-file", builder::pidFile);
        ifPath("control-socket", builder::controlSocket);
        ifSet("daemonize", Boolean.class, builder::daemonize);
        ifSet("spares", Integer.class, builder::spares);
        ifSet("reload-batch", Integer.class, builder::reloadBatch);
        ifPath("aot-cache", builder::aotCache);
        // workerpool.metrics.address: the same, for YAML, where workerpool.metrics can't be both a value and the
        // parent of workerpool.metrics.ship-interval
        String metricsName = get("metrics.address", String.class, null) != null ? "metrics.address" : "metrics";
        String metrics = get(metricsName, String.class, null);
        if (metrics != null) {
            builder.metrics(address(metricsName, metrics, null));
        }
        Duration shipInterval = get("metrics.ship-interval", Duration.class, null);
        if (shipInterval != null && shipInterval.toMillis() < MIN_SHIP_INTERVAL_MILLIS) {
            // checked here too, so that the pool refuses to start instead of every worker failing its boot
            throw new InvalidPoolPropertyException(PREFIX + ".metrics.ship-interval is '" + shipInterval
                    + "': the meters' shipping interval must be at least " + MIN_SHIP_INTERVAL_MILLIS + " ms");
        }
        ifSet("ready-share", Double.class, builder::readyShare);
        ifSet("max-worker-age", Duration.class, builder::maxWorkerAge);
        ifSet("max-worker-rss", DataSize.class, size -> builder.maxWorkerRss(size.toBytes()));
        ifPath("stdout", builder::stdout);
        ifPath("stderr", builder::stderr);
        List<String> options = binder.bind(PREFIX + ".worker-jvm-options", Bindable.listOf(String.class))
                .orElse(null);
        if (options != null) {
            builder.workerJvmOptions(options.toArray(String[]::new));
        }
        return builder;
    }

    /** {@code workerpool.stop-timeout}, else Spring's shutdown phase timeout plus {@link #STOP_MARGIN}. */
    Duration stopTimeout() {
        return get("stop-timeout", Duration.class, springValue("spring.lifecycle.timeout-per-shutdown-phase",
                Duration.class, SPRING_SHUTDOWN_PHASE_DEFAULT).plus(STOP_MARGIN));
    }

    /** {@code workerpool.workers}, or null when not set. */
    Integer workers() {
        return get("workers", Integer.class, null);
    }

    /** {@code workerpool.listen}, else {@code server.address}:{@code server.port}. */
    InetSocketAddress listenAddress() {
        String listen = get("listen", String.class, null);
        if (listen != null) {
            return address("listen", listen, null);
        }
        int port = springValue("server.port", Integer.class, SPRING_PORT_DEFAULT);
        String host = springValue("server.address", String.class, null);
        return address("listen", (host == null ? "" : bracketed(host) + ":") + port, "server.address/server.port");
    }

    private static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** {@code port}, {@code :port}, {@code host:port} or {@code [v6]:port}; no host means every address. */
    private InetSocketAddress address(String name, String value, String from) {
        String where = from != null ? from : PREFIX + "." + name;
        String text = value.strip();
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        String portText = text.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new InvalidPoolPropertyException(where + " is '" + value + "': expected [host:]port, e.g. 8080 or "
                    + "127.0.0.1:8080");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidPoolPropertyException(where + " is '" + value + "': the port must be 0..65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.equals("*")) {
            return new InetSocketAddress(port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new InvalidPoolPropertyException(where + " is '" + value + "': unknown host " + host);
        }
    }

    private void ifPath(String name, Consumer<Path> setter) {
        String value = get(name, String.class, null);
        if (value != null) {
            setter.accept(path(name, value));
        }
    }

    private static Path path(String name, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new InvalidPoolPropertyException(PREFIX + "." + name + " is '" + value + "': not a path ("
                    + e.getReason() + ")");
        }
    }

    private <T> void ifSet(String name, Class<T> type, Consumer<T> setter) {
        T value = get(name, type, null);
        if (value != null) {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                throw new InvalidPoolPropertyException(PREFIX + "." + name + " is '" + value + "': " + e.getMessage());
            }
        }
    }

    private <T> T get(String name, Class<T> type, T fallback) {
        return value(PREFIX + "." + name, type, fallback);
    }

    private <T> T springValue(String name, Class<T> type, T fallback) {
        return value(name, type, fallback);
    }

    private <T> T value(String name, Class<T> type, T fallback) {
        try {
            return binder.bind(name, Bindable.of(type)).orElse(fallback);
        } catch (BindException e) {
            ConfigurationProperty property = e.getProperty();
            String value = property == null ? "?" : String.valueOf(property.getValue());
            String origin = property == null || property.getOrigin() == null ? "" : " (from " + property.getOrigin()
                    + ")";
            throw new InvalidPoolPropertyException(name + " is '" + value + "'" + origin + ": not a valid "
                    + describe(type));
        }
    }

    private static String describe(Class<?> type) {
        if (type == Duration.class) {
            return "duration, e.g. 30s or 500ms";
        }
        if (type == DataSize.class) {
            return "size, e.g. 512MB";
        }
        if (type == Integer.class) {
            return "whole number";
        }
        if (type == Double.class) {
            return "number";
        }
        if (type == Boolean.class) {
            return "boolean (true or false)";
        }
        return type.getSimpleName();
    }
}
