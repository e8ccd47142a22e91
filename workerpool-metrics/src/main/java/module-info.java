/**
 * Prometheus metrics for a workerpool master: put this module beside {@code io.workerpool} and set
 * {@code metrics(address)}; the master finds it with {@link java.util.ServiceLoader} and serves {@code /metrics}.
 * Nothing here is API: no package is exported.
 */
module io.workerpool.metrics {
    requires io.workerpool;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;

    provides io.workerpool.internal.metrics.PoolMetricsProvider
            with io.workerpool.internal.metrics.prometheus.PrometheusMetricsProvider;
}
