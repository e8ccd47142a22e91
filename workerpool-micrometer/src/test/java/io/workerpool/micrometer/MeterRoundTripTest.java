package io.workerpool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.workerpool.internal.metrics.prometheus.WorkerMeterStore;
import io.workerpool.internal.micrometer.MeterShipper;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.WireInput;
import io.workerpool.internal.wire.WireOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a worker's registry ships (MeterShipper) as the master's store (WorkerMeterStore) decodes and serves it:
 * per-worker series, pool-wide sums that keep exited JVMs' counts, merged histograms, and the series limit.
 */
class MeterRoundTripTest {

    @Test
    void perWorkerSeriesPoolWideSumsAndExitedCountsFolded() throws IOException {
        WorkerMeterStore store = new WorkerMeterStore(10_000);
        WorkerpoolMeterRegistry a = new WorkerpoolMeterRegistry(Duration.ofSeconds(10));
        WorkerpoolMeterRegistry b = new WorkerpoolMeterRegistry(Duration.ofSeconds(10));
        Counter.builder("http.requests").tag("method", "GET").register(a).increment(3);
        Counter.builder("http.requests").tag("method", "GET").register(b).increment(4);
        AtomicInteger depth = new AtomicInteger(7);
        Gauge.builder("queue.depth", depth, AtomicInteger::get).register(a);
        Timer timer = Timer.builder("work").serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(100))
                .register(a);
        timer.record(Duration.ofMillis(5));
        timer.record(Duration.ofMillis(50));
        Timer.builder("work").serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(100)).register(b)
                .record(Duration.ofMillis(500));

        ship(a, store, 0, 1);
        ship(b, store, 1, 2);
        String text = scrape(store);
        assertThat(text).contains(
                "http_requests_total{method=\"GET\",worker=\"0\"} 3.0",
                "http_requests_total{method=\"GET\",worker=\"1\"} 4.0",
                "http_requests_total{method=\"GET\",worker=\"all\"} 7.0",
                "queue_depth{worker=\"0\"} 7.0",
                "work_seconds_bucket{worker=\"all\",le=\"0.01\"} 1",
                "work_seconds_bucket{worker=\"all\",le=\"0.1\"} 2",
                "work_seconds_bucket{worker=\"all\",le=\"+Inf\"} 3",
                "work_seconds_count{worker=\"all\"} 3")
                .doesNotContain("queue_depth{worker=\"all\"}");

        // values move; a second round sends values only
        a.get("http.requests").counter().increment(10);
        ship(a, store, 0, 1);
        assertThat(scrape(store)).contains("http_requests_total{method=\"GET\",worker=\"all\"} 17.0");

        // worker 0's JVM exits: its counts stay in the pool-wide sum, its own series go
        store.exited(1);
        text = scrape(store);
        assertThat(text).contains("http_requests_total{method=\"GET\",worker=\"all\"} 17.0",
                "work_seconds_count{worker=\"all\"} 3").doesNotContain("worker=\"0\"");

        // its successor starts from zero: the sum goes on from 17
        WorkerpoolMeterRegistry successor = new WorkerpoolMeterRegistry(Duration.ofSeconds(10));
        Counter.builder("http.requests").tag("method", "GET").register(successor).increment(1);
        ship(successor, store, 0, 3);
        assertThat(scrape(store)).contains("http_requests_total{method=\"GET\",worker=\"0\"} 1.0",
                "http_requests_total{method=\"GET\",worker=\"all\"} 18.0");
    }

    @Test
    void aJvmSendingMoreSeriesThanTheLimitIsCutOffAndOthersAreNot() throws IOException {
        WorkerMeterStore store = new WorkerMeterStore(100);
        WorkerpoolMeterRegistry flood = new WorkerpoolMeterRegistry(Duration.ofSeconds(10));
        for (int i = 0; i < 1000; i++) {
            Counter.builder("flood").tag("n", Integer.toString(i)).register(flood).increment();
        }
        WorkerpoolMeterRegistry calm = new WorkerpoolMeterRegistry(Duration.ofSeconds(10));
        Counter.builder("calm").register(calm).increment(2);
        ship(flood, store, 1, 1);
        ship(flood, store, 1, 1); // values of the dropped series are skipped, not misread
        ship(calm, store, 0, 2);
        String text = scrape(store);
        assertThat(text.lines().filter(l -> l.startsWith("flood_total{") && l.contains("worker=\"1\"")).count())
                .isEqualTo(100);
        assertThat(text).contains("calm_total{worker=\"0\"} 2.0");
        assertThat(store.seriesCount()).isEqualTo(101);
    }

    private static void ship(WorkerpoolMeterRegistry registry, WorkerMeterStore store, int workerId, long generation) {
        MeterShipper shipper = new MeterShipper(registry);
        shipTwiceWith(shipper, store, workerId, generation);
    }

    private static void shipTwiceWith(MeterShipper shipper, WorkerMeterStore store, int workerId, long generation) {
        assertThat(shipper.ship(payload -> {
            WireOutput out = new WireOutput();
            payload.writeTo(out);
            try { // decoded as the master's channel does
                Message.Meters meters = (Message.Meters) Message.read(Message.Meters.TYPE, new WireInput(out.buffer()));
                store.received(workerId, generation, ((Message.Meters.Received) meters.payload()).bytes());
            } catch (ProtocolException e) {
                throw new AssertionError(e);
            }
            return true;
        })).isTrue();
    }

    private static String scrape(WorkerMeterStore store) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(store);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
