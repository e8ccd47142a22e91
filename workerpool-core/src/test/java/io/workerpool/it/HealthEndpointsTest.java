package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.it.HttpProbe.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * metrics(address): /healthz and /readyz follow the pool's state, in a real master; this class path has no
 * workerpool-metrics module, so /metrics says to add it. The Prometheus series: workerpool-metrics' tests.
 */
class HealthEndpointsTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void readyzFollowsTheRunningWorkersAndThePoolsState() throws Exception {
        Path blockStart = Files.createFile(dir.resolve("block-start"));
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 2).with("metrics", "127.0.0.1:0")
                .with("readyShare", "1.0").with("failStartIfExists", blockStart)
                .with("behaviour.1", "ignore-stop").with("behaviour.2", "boot-fail").with("stopTimeoutMs", 120_000)
                .start()) {
            int port = HttpProbe.awaitPort(pool);
            // no worker gets past its onStart while the file exists
            HttpProbe.awaitAnswer(port, "/readyz", 503, "not ready: 0 of 2 workers running, need 2", START);
            assertThat(HttpProbe.get(port, "/healthz").status()).isEqualTo(200);

            Files.delete(blockStart);
            HttpProbe.awaitAnswer(port, "/readyz", 200, "ready: 2 of 2 workers running, need 2", START);
            assertThat(HttpProbe.get(port, "/healthz").body()).startsWith("ok: the pool is running, last check");

            pool.signal("TTIN"); // worker 2 can't boot
            HttpProbe.awaitAnswer(port, "/readyz", 503, "not ready: 2 of 3 workers running, need 3", START);
            pool.signal("TTOU"); // takes worker 2 out again
            HttpProbe.awaitAnswer(port, "/readyz", 200, "ready: 2 of 2 workers running, need 2", START);

            Response metrics = HttpProbe.get(port, "/metrics");
            assertThat(metrics.status()).isEqualTo(404);
            assertThat(metrics.body()).contains("add the dependency io.workerpool:workerpool-metrics");
            assertThat(pool.log().split("the workerpool-metrics module is missing", -1)).hasSize(2); // once
            assertThat(HttpProbe.get(port, "/other")).isEqualTo(
                    new Response(404, "not found: this port serves /healthz, /readyz and /metrics\n"));

            pool.signal("TERM"); // worker 1 ignores the stop: the pool stays STOPPING until stopTimeout
            HttpProbe.awaitAnswer(port, "/readyz", 503, "not ready: the pool is stopping", START);
            assertThat(HttpProbe.get(port, "/healthz").body()).startsWith("ok: the pool is stopping");
            pool.signal("TERM"); // a second one kills what is left at once
            assertThat(pool.waitFor(START)).isZero();
            assertThatThrownBy(() -> HttpProbe.get(port, "/healthz")).isInstanceOf(IOException.class);
        }
    }

    @Test
    void healthzFailsWhileTheMastersLoopIsStuck() throws Exception {
        Path gate = dir.resolve("gate");
        try (PoolProcess pool = PoolProcess.in(dir).jvmOption(gatedLogConfig(gate)).with("workers", 2)
                .with("metrics", "127.0.0.1:0").start()) {
            int port = HttpProbe.awaitPort(pool);
            HttpProbe.awaitAnswer(port, "/readyz", 200, "ready: 2 of 2 workers running, need 1", START);
            HttpProbe.awaitAnswer(port, "/healthz", r -> r.status() == 200, START);

            Files.createFile(gate);
            pool.signal("TTIN"); // the loop logs that it scales, and hangs in the appender
            Response stuck = HttpProbe.awaitAnswer(port, "/healthz", r -> r.status() == 503, START);
            assertThat(stuck.body()).startsWith("not live: the master's loop has not run its check for")
                    .endsWith("(limit 5.0 s): it is stuck\n");
            assertThat(HttpProbe.get(port, "/readyz").status()).isEqualTo(200); // the workers still serve

            Files.delete(gate);
            HttpProbe.awaitAnswer(port, "/healthz", r -> r.status() == 200, START);
            pool.awaitEvent("worker-main 2 \\d+");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    @Test
    void aTakenPortIsAStartErrorNamingTheAddress() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             PoolProcess pool = PoolProcess.in(dir).with("metrics", "127.0.0.1:" + taken.getLocalPort())
                     .with("pidfile", pidfile).start()) {
            assertThat(pool.waitFor(START)).isNotZero();
            assertThat(pool.log()).contains("cannot serve /healthz, /readyz and /metrics on 127.0.0.1:"
                    + taken.getLocalPort() + ": Address already in use");
            assertThat(pool.events()).isEmpty(); // neither the master's onStart nor any worker ran
            assertThat(pidfile).doesNotExist();
        }
    }

    /** Master log to stdout (where PoolProcess reads it), and through a {@link GateAppender} on {@code gate}. */
    private String gatedLogConfig(Path gate) throws IOException {
        Path config = dir.resolve("gated-logback.xml");
        Files.writeString(config, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n</pattern></encoder>
                  </appender>
                  <appender name="GATE" class="io.workerpool.it.GateAppender"><gate>GATE</gate></appender>
                  <root level="INFO"><appender-ref ref="OUT"/><appender-ref ref="GATE"/></root>
                </configuration>
                """.replace("GATE</gate>", gate + "</gate>"));
        return "-Dlogback.configurationFile=" + config;
    }
}
