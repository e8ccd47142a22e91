package io.workerpool.internal.metrics.prometheus;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.workerpool.internal.metrics.WorkerTelemetry;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Each worker's JVM health, from the latest sample its heartbeat carried, as {@code workerpool_worker_*} series
 * with a {@code worker} label. While two JVMs serve one id (a reload's overlap) the newer one is shown. Figures a
 * worker could not read (-1) are left out.
 */
final class WorkerJvmMetrics {
    private WorkerJvmMetrics() {
    }

    static void register(PrometheusRegistry registry, WorkerTelemetry telemetry) {
        gauge(registry, telemetry, "workerpool_worker_heap_used_bytes", "Heap in use in each worker's JVM",
                r -> r.sample().heapUsedBytes());
        gauge(registry, telemetry, "workerpool_worker_heap_committed_bytes", "Heap committed in each worker's JVM",
                r -> r.sample().heapCommittedBytes());
        gauge(registry, telemetry, "workerpool_worker_rss_bytes", "Resident memory of each worker's JVM (RSS)",
                r -> r.sample().rssBytes());
        gauge(registry, telemetry, "workerpool_worker_pss_bytes",
                "Proportional set size of each worker's JVM: resident memory, shared pages divided among sharers",
                r -> r.sample().pssBytes());
        gauge(registry, telemetry, "workerpool_worker_threads", "Live threads in each worker's JVM",
                r -> r.sample().threads());
        gauge(registry, telemetry, "workerpool_worker_gc_share",
                "Share of time each worker's JVM spent in GC between its last two heartbeats, 0 to 1",
                WorkerTelemetry.Reading::gcShare);
        counter(registry, telemetry, "workerpool_worker_gc_collections", "GC runs in each worker's current JVM",
                null, r -> r.sample().gcCount());
        counter(registry, telemetry, "workerpool_worker_gc_seconds", "Time in GC of each worker's current JVM",
                Unit.SECONDS, r -> r.sample().gcMillis() < 0 ? -1 : r.sample().gcMillis() / 1e3);
        counter(registry, telemetry, "workerpool_worker_cpu_seconds", "CPU time of each worker's current JVM",
                Unit.SECONDS, r -> r.sample().cpuNanos() < 0 ? -1 : r.sample().cpuNanos() / 1e9);
    }

    private static void gauge(PrometheusRegistry registry, WorkerTelemetry telemetry, String name, String help,
            ToDoubleFunction<WorkerTelemetry.Reading> figure) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("worker").callback(callback -> {
            for (WorkerTelemetry.Reading reading : newestPerWorker(telemetry)) {
                double value = figure.applyAsDouble(reading);
                if (value >= 0) {
                    callback.call(value, Integer.toString(reading.workerId()));
                }
            }
        }).register(registry);
    }

    private static void counter(PrometheusRegistry registry, WorkerTelemetry telemetry, String name, String help,
            Unit unit, ToDoubleFunction<WorkerTelemetry.Reading> figure) {
        CounterWithCallback.Builder builder = CounterWithCallback.builder().name(name).help(help).labelNames("worker");
        if (unit != null) {
            builder.unit(unit);
        }
        builder.callback(callback -> {
            for (WorkerTelemetry.Reading reading : newestPerWorker(telemetry)) {
                double value = figure.applyAsDouble(reading);
                if (value >= 0) {
                    callback.call(value, Integer.toString(reading.workerId()));
                }
            }
        }).register(registry);
    }

    /** One reading per worker id: the newest JVM's. */
    static Collection<WorkerTelemetry.Reading> newestPerWorker(WorkerTelemetry telemetry) {
        Map<Integer, WorkerTelemetry.Reading> newest = new LinkedHashMap<>();
        telemetry.readings().stream().sorted(Comparator.comparingInt(WorkerTelemetry.Reading::workerId)
                .thenComparingLong(WorkerTelemetry.Reading::generation)).forEach(r -> newest.put(r.workerId(), r));
        return newest.values();
    }

}
