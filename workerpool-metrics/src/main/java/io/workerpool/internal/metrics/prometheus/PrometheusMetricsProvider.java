package io.workerpool.internal.metrics.prometheus;

import io.workerpool.internal.metrics.PoolMetrics;
import io.workerpool.internal.metrics.PoolMetricsProvider;
import io.workerpool.internal.metrics.PoolSnapshot;
import java.util.function.Supplier;

/** The service the master loads when {@code metrics(address)} is set: Prometheus metrics of the pool. */
public final class PrometheusMetricsProvider implements PoolMetricsProvider {
    /** For {@link java.util.ServiceLoader}. */
    public PrometheusMetricsProvider() {
    }

    @Override
    public PoolMetrics create(Supplier<PoolSnapshot> snapshots) {
        return new PrometheusPoolMetrics(snapshots);
    }
}
