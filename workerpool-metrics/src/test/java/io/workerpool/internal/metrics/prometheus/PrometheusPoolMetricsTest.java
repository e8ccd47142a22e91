package io.workerpool.internal.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.metrics.PoolMetrics;
import io.workerpool.internal.metrics.PoolSnapshot;
import io.workerpool.internal.metrics.PoolSnapshot.WorkerSample;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The series and their values, in the Prometheus text format, from counters fed by hand and a snapshot. */
class PrometheusPoolMetricsTest {
    private final AtomicReference<PoolSnapshot> snapshot = new AtomicReference<>(new PoolSnapshot("RUNNING",
            System.nanoTime(), 3, 2, 2, List.of(new WorkerSample(0, "RUNNING", 250_000_000L),
                    new WorkerSample(1, "RUNNING", 1_500_000_000L), new WorkerSample(2, "BACKOFF", -1)), 1));
    private final PoolMetrics metrics = new PrometheusMetricsProvider().create(snapshot::get);

    @Test
    void exposesCountersAndGaugesInTheTextFormat() throws Exception {
        metrics.workerExited("signal");
        metrics.workerExited("signal");
        metrics.workerExited("stop");
        metrics.workerRestarting();
        metrics.workerRecycling("rss");
        metrics.replacementEnded("reload", "completed");
        metrics.logRecordForwarded();
        metrics.logRecordForwarded();
        metrics.logRecordForwarded();

        PoolMetrics.Exposition exposition = metrics.expose(null);
        String text = new String(exposition.body(), StandardCharsets.UTF_8);

        assertThat(exposition.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(text.lines()).contains(
                "workerpool_exits_total{cause=\"signal\"} 2.0",
                "workerpool_exits_total{cause=\"stop\"} 1.0",
                "workerpool_exits_total{cause=\"stale\"} 0.0",
                "workerpool_exits_total{cause=\"boot_error\"} 0.0",
                "workerpool_restarts_total 1.0",
                "workerpool_recycles_total{cause=\"rss\"} 1.0",
                "workerpool_recycles_total{cause=\"age\"} 0.0",
                "workerpool_reloads_total{kind=\"reload\",result=\"completed\"} 1.0",
                "workerpool_reloads_total{kind=\"reload\",result=\"failed\"} 0.0",
                "workerpool_forwarded_log_records_total 3.0",
                "workerpool_workers{state=\"running\"} 2.0",
                "workerpool_workers{state=\"backoff\"} 1.0",
                "workerpool_workers{state=\"starting\"} 0.0",
                "workerpool_workers{state=\"spare\"} 1.0",
                "workerpool_workers_needed 2.0",
                "workerpool_ready 1.0",
                "workerpool_worker_heartbeat_age_seconds{worker=\"0\"} 0.25",
                "workerpool_worker_heartbeat_age_seconds{worker=\"1\"} 1.5");
        assertThat(text).doesNotContain("worker=\"2\"") // no JVM, no heartbeat
                .containsPattern("workerpool_start_time_seconds \\d\\.\\d+E9");
    }

    @Test
    void gaugesFollowTheLatestSnapshot() throws Exception {
        snapshot.set(new PoolSnapshot("STOPPING", System.nanoTime(), 3, 0, 2,
                List.of(new WorkerSample(0, "STOPPING", 10_000_000L)), 0));

        String text = new String(metrics.expose(null).body(), StandardCharsets.UTF_8);

        assertThat(text.lines()).contains("workerpool_workers{state=\"stopping\"} 1.0",
                "workerpool_workers{state=\"running\"} 0.0", "workerpool_ready 0.0",
                "workerpool_worker_heartbeat_age_seconds{worker=\"0\"} 0.01");
        assertThat(text).doesNotContain("worker=\"1\"");
    }

    @Test
    void answersOpenMetricsWhenTheScraperAsksForIt() throws Exception {
        PoolMetrics.Exposition exposition = metrics.expose(
                "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4");

        assertThat(exposition.contentType()).startsWith("application/openmetrics-text");
        assertThat(new String(exposition.body(), StandardCharsets.UTF_8)).endsWith("# EOF\n");
    }
}
