package io.workerpool.internal.metrics;

import java.util.function.Supplier;

/**
 * The service the master looks up (with {@link java.util.ServiceLoader}) when {@code metrics(address)} is set:
 * the workerpool-metrics module provides it. Without that module the health endpoints still work and
 * {@code /metrics} says which module to add.
 */
public interface PoolMetricsProvider {
    /** Metrics whose gauges read {@code snapshots} at each scrape (from the HTTP thread). */
    PoolMetrics create(Supplier<PoolSnapshot> snapshots);

    /**
     * As {@link #create(Supplier)}, with the workers' JVM samples and meters as well: a provider that serves them
     * reads {@code telemetry} at each scrape and sets itself as its {@link WorkerTelemetry.MeterStore}.
     */
    default PoolMetrics create(Supplier<PoolSnapshot> snapshots, WorkerTelemetry telemetry) {
        return create(snapshots);
    }
}
