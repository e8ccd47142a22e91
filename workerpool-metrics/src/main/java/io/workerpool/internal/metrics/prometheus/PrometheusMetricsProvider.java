package io.workerpool.internal.metrics.prometheus;

import io.workerpool.internal.metrics.PoolMetrics;
import io.workerpool.internal.metrics.PoolMetricsProvider;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.metrics.WorkerTelemetry;
import java.util.function.Supplier;

/** The service the master loads when {@code metrics(address)} is set: Prometheus metrics of the pool. */
public final class PrometheusMetricsProvider implements PoolMetricsProvider {
    /** For {@link java.util.ServiceLoader}. */
    public PrometheusMetricsProvider() {
    }

    @Override
    public PoolMetrics create(Supplier<PoolSnapshot> snapshots) {
        return new PrometheusPoolMetrics(snapshots, null);
    }

    /**
     * With the workers' JVM samples and application meters as well. The series limit per worker JVM is
     * {@code -Dworkerpool.metrics.seriesLimit} on the master (default 10,000).
     */
    @Override
    public PoolMetrics create(Supplier<PoolSnapshot> snapshots, WorkerTelemetry telemetry) {
        return new PrometheusPoolMetrics(snapshots, telemetry);
    }
}
