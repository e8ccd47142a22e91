/**
 * workerpool, a pre-fork process supervisor for the JVM. Only {@code io.workerpool} is API; the rest is
 * internal and not exported.
 *
 * <p>On a module path, a master launched with {@code -m} re-launches its workers with {@code -m} too; give the
 * library native access there with {@code --enable-native-access=io.workerpool} (workers get it anyway).
 */
module io.workerpool {
    // Worker.logger() hands out an org.slf4j.Logger.
    requires transitive org.slf4j;
    // sun.misc.Signal, for the master's and the workers' signal handlers. A module must say so: with -m,
    // the launcher resolves only what the main module needs, and jdk.unsupported would be missing.
    requires jdk.unsupported;
    // Workers forward java.util.logging records to the master.
    requires java.logging;
    // SO_PEERCRED on the control socket: only the master's user may manage the pool.
    requires jdk.net;
    // The master's /healthz, /readyz and /metrics (metrics(address)): the JDK's own HTTP server.
    requires jdk.httpserver;
    // Workers' heartbeats carry their GC figures (GarbageCollectorMXBean), loaded after the worker is ready.
    requires java.management;

    exports io.workerpool;
    // Workers run with -Dslf4j.provider=io.workerpool.internal.worker.logging.ForwardingServiceProvider:
    // SLF4J instantiates it by name.
    // ...and the worker's LogManager instantiates JulBootstrap by name (java.util.logging.config.class).
    exports io.workerpool.internal.worker.logging to org.slf4j, java.logging;
    // /metrics comes from the optional workerpool-metrics module, which implements this service.
    exports io.workerpool.internal.metrics to io.workerpool.metrics;
    // The optional workerpool-micrometer module ships a worker's meters over its worker channel (MeterSink),
    // encoding Meters frames with the wire classes; workerpool-metrics decodes them on the master's side.
    exports io.workerpool.internal.worker to io.workerpool.micrometer;
    exports io.workerpool.internal.wire to io.workerpool.micrometer, io.workerpool.metrics;
    uses io.workerpool.internal.metrics.PoolMetricsProvider;
}
