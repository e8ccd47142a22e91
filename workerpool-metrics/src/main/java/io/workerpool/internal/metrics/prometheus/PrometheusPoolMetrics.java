package io.workerpool.internal.metrics.prometheus;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.metrics.PoolMetrics;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.metrics.WorkerTelemetry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The pool's metrics in a registry of their own (not the Prometheus client's default registry, which an
 * application may use for its own metrics). Counters are fed by the master (thread-safe: the client's
 * counters are); gauges read the loop's latest {@link PoolSnapshot} at each scrape.
 */
final class PrometheusPoolMetrics implements PoolMetrics {
    /** Slot states (SlotState) as label values; "spare" is added for hot spares. */
    private static final List<String> WORKER_STATES = List.of("STARTING", "RUNNING", "STOPPING", "BACKOFF", "FAILED");
    private static final List<String> REPLACEMENT_KINDS = List.of("reload", "restart", "recycle");
    private static final List<String> REPLACEMENT_RESULTS = List.of("completed", "failed", "aborted");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Counter restarts;
    private final Counter exits;
    private final Counter recycles;
    private final Counter replacements;
    private final Counter logRecords;
    /** The workers' application meters, or null without telemetry. */
    private final WorkerMeterStore meters;

    /** Series a worker JVM may send before it is cut off, unless -Dworkerpool.metrics.seriesLimit says otherwise. */
    static final int DEFAULT_SERIES_LIMIT = 10_000;

    PrometheusPoolMetrics(Supplier<PoolSnapshot> snapshots) {
        this(snapshots, null);
    }

    /** With {@code telemetry} (may be null): the workers' JVM figures and their application meters too. */
    PrometheusPoolMetrics(Supplier<PoolSnapshot> snapshots, WorkerTelemetry telemetry) {
        restarts = Counter.builder().name("workerpool_restarts_total")
                .help("Workers given a new JVM after an exit the master had not asked for")
                .withoutExemplars().register(registry);
        exits = Counter.builder().name("workerpool_exits_total")
                .help("Worker JVM exits by cause: exit, signal, boot_error (exited by themselves); stale,"
                        + " protocol_error (killed by the master); stop, reload, restart, recycle, remove (asked to"
                        + " stop)")
                .labelNames("cause").withoutExemplars().register(registry);
        for (ExitCause cause : ExitCause.values()) {
            exits.initLabelValues(cause.label());
        }
        recycles = Counter.builder().name("workerpool_recycles_total")
                .help("Workers recycled, by cause: age (maxWorkerAge), rss (maxWorkerRss) or pss (maxWorkerPss)")
                .labelNames("cause").withoutExemplars().register(registry);
        recycles.initLabelValues("age");
        recycles.initLabelValues("rss");
        recycles.initLabelValues("pss");
        replacements = Counter.builder().name("workerpool_reloads_total")
                .help("Rolling replacements that ended, by kind (reload, restart of one id, recycle) and result"
                        + " (completed, failed, aborted)")
                .labelNames("kind", "result").withoutExemplars().register(registry);
        for (String kind : REPLACEMENT_KINDS) {
            for (String result : REPLACEMENT_RESULTS) {
                replacements.initLabelValues(kind, result);
            }
        }
        logRecords = Counter.builder().name("workerpool_forwarded_log_records_total")
                .help("Log records forwarded by workers and replayed by the master")
                .withoutExemplars().register(registry);

        GaugeWithCallback.builder().name("workerpool_workers")
                .help("Worker ids by state (starting, running, stopping, backoff, failed), and hot spare JVMs (spare)")
                .labelNames("state")
                .callback(callback -> {
                    PoolSnapshot snapshot = snapshots.get();
                    for (String state : WORKER_STATES) {
                        long count = snapshot.samples().stream().filter(s -> s.state().equals(state)).count();
                        callback.call(count, state.toLowerCase(Locale.ROOT));
                    }
                    callback.call(snapshot.spares(), "spare");
                }).register(registry);
        GaugeWithCallback.builder().name("workerpool_workers_needed")
                .help("Running workers the pool needs to be ready (readyShare of its workers, rounded up)")
                .callback(callback -> callback.call(snapshots.get().needed())).register(registry);
        GaugeWithCallback.builder().name("workerpool_ready")
                .help("1 while /readyz answers 200: the pool runs with enough workers running, else 0")
                .callback(callback -> callback.call(snapshots.get().ready() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("workerpool_worker_heartbeat_age_seconds").unit(Unit.SECONDS)
                .help("Time since each worker's JVM last showed life on its worker channel, as of the master's"
                        + " last check")
                .labelNames("worker")
                .callback(callback -> {
                    for (PoolSnapshot.WorkerSample sample : snapshots.get().samples()) {
                        if (sample.heartbeatAgeNanos() >= 0) {
                            callback.call(sample.heartbeatAgeNanos() / 1e9, Integer.toString(sample.id()));
                        }
                    }
                }).register(registry);
        Gauge startTime = Gauge.builder().name("workerpool_start_time_seconds").unit(Unit.SECONDS)
                .help("When the master started, in seconds since the epoch").register(registry);
        startTime.set(ProcessHandle.current().info().startInstant()
                .map(instant -> instant.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0));
        if (telemetry != null) {
            WorkerJvmMetrics.register(registry, telemetry);
            meters = new WorkerMeterStore(Integer.getInteger("workerpool.metrics.seriesLimit", DEFAULT_SERIES_LIMIT));
            registry.register(meters);
            telemetry.meterStore(meters);
        } else {
            meters = null;
        }
    }

    /** The workers' meters, or null: for tests. */
    WorkerMeterStore meters() {
        return meters;
    }

    @Override
    public void workerExited(String cause) {
        exits.labelValues(cause).inc();
    }

    @Override
    public void workerRestarting() {
        restarts.inc();
    }

    @Override
    public void workerRecycling(String cause) {
        recycles.labelValues(cause).inc();
    }

    @Override
    public void replacementEnded(String kind, String result) {
        replacements.labelValues(kind, result).inc();
    }

    @Override
    public void logRecordForwarded() {
        logRecords.inc();
    }

    @Override
    public Exposition expose(String acceptHeader) throws IOException {
        ExpositionFormatWriter writer = acceptHeader == null ? formats.getPrometheusTextFormatWriter()
                : formats.findWriter(acceptHeader);
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        writer.write(body, registry.scrape());
        return new Exposition(writer.getContentType(), body.toByteArray());
    }
}
