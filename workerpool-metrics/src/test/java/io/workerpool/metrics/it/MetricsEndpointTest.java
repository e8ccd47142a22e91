package io.workerpool.metrics.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.it.HttpProbe;
import io.workerpool.it.PoolProcess;
import io.workerpool.it.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics of a real master (TestPool) with this module on its class path: the counters move with what
 * happens to the workers (a failing onStart, SIGKILL, a frozen worker, a reload), the gauges follow the pool.
 */
class MetricsEndpointTest {
    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void countsExitsByCauseRestartsReloadsAndForwardedLogRecords() throws Exception {
        Path failStart = Files.createFile(dir.resolve("fail-start"));
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 2).with("metrics", "127.0.0.1:0")
                .with("failStartIfExists", failStart).with("workerTimeoutMs", 15_000).start()) {
            int port = HttpProbe.awaitPort(pool);
            // onStart throws: the workers log why (a forwarded record) and exit with status 1
            awaitValue(port, "workerpool_forwarded_log_records_total", 1);
            awaitValue(port, "workerpool_exits_total{cause=\"exit\"}", 1);
            Files.delete(failStart);
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            awaitValue(port, "workerpool_workers{state=\"running\"}", 2);

            String before = metrics(port);
            assertThat(before).contains("# TYPE workerpool_exits_total counter", "workerpool_ready 1.0",
                    "workerpool_workers{state=\"spare\"} 0.0", "workerpool_workers_needed 1.0",
                    "workerpool_exits_total{cause=\"reload\"} 0.0")
                    .containsPattern("workerpool_worker_heartbeat_age_seconds\\{worker=\"0\"} \\d")
                    .containsPattern("workerpool_worker_heartbeat_age_seconds\\{worker=\"1\"} \\d")
                    .containsPattern("workerpool_start_time_seconds \\d\\.\\d+E9");
            // deltas from here: on a loaded machine a JVM may boot slower than workerTimeout, and be killed as stale
            double restarts = value(before, "workerpool_restarts_total");
            double signals = value(before, "workerpool_exits_total{cause=\"signal\"}");
            double stale = value(before, "workerpool_exits_total{cause=\"stale\"}");
            assertThat(restarts).isGreaterThanOrEqualTo(2); // each worker failed its onStart at least once

            Signal.send(pool.workerPid(1), "KILL");
            awaitValue(port, "workerpool_exits_total{cause=\"signal\"}", signals + 1);
            awaitValue(port, "workerpool_restarts_total", restarts + 1);
            pool.awaitEvents("worker-main 1 \\d+", 2, START);
            awaitValue(port, "workerpool_workers{state=\"running\"}", 2);

            Signal.send(pool.workerPid(0), "STOP"); // frozen: no heartbeat for workerTimeout
            awaitValue(port, "workerpool_exits_total{cause=\"stale\"}", stale + 1);
            awaitValue(port, "workerpool_restarts_total", restarts + 2);
            assertThat(value(metrics(port), "workerpool_exits_total{cause=\"signal\"}")).isEqualTo(signals + 1);

            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            pool.signal("HUP");
            String reload = "workerpool_reloads_total{kind=\"reload\",result=";
            await().atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
                String text = metrics(port);
                assertThat(value(text, reload + "\"completed\"}") + value(text, reload + "\"failed\"}"))
                        .as("a finished reload in\n%s", text).isEqualTo(1);
            });
            String after = metrics(port);
            if (value(after, reload + "\"completed\"}") == 1) {
                assertThat(value(after, "workerpool_exits_total{cause=\"reload\"}")).isEqualTo(2);
            } else { // so loaded a machine that a new JVM did not report ready within workerTimeout: killed
                assertThat(value(after, "workerpool_exits_total{cause=\"stale\"}")).isGreaterThan(stale + 1);
            }
            assertThat(value(after, "workerpool_restarts_total")).isGreaterThanOrEqualTo(restarts + 2);

            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    private static String metrics(int port) throws Exception {
        HttpProbe.Response response = HttpProbe.get(port, "/metrics");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Waits until the series has at least this value. */
    private static void awaitValue(int port, String series, double atLeast) {
        String[] last = {""};
        await().atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            last[0] = metrics(port);
            assertThat(value(last[0], series)).as("%s in\n%s", series, last[0]).isGreaterThanOrEqualTo(atLeast);
        });
    }

    /** The value of one series ({@code name{labels}}) in the text format; fails when it is absent. */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in\n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
