package io.workerpool.micrometer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.it.HttpProbe;
import io.workerpool.it.PoolProcess;
import io.workerpool.it.Signal;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real pools (MeteredPool: workers that count requests with WorkerpoolMeterRegistry) and the master's
 * /metrics: each worker's series with its label, the pool-wide sum, which never goes down across a SIGKILL
 * and a reload; the JVM figures of every worker in /metrics and in the status JSON; a worker flooding series
 * is cut off at the limit while the others go on.
 */
class ShippedMetersTest {
    private static final Duration START = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("worker-listening \\d+ \\d+ (\\d+)");

    @TempDir
    Path dir;

    @Test
    void poolWideCountersAddUpAndNeverGoDownAcrossKillAndReload() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.micrometer.testapp.MeteredPool")
                .with("pidfile", pidfile).start()) {
            int metricsPort = HttpProbe.awaitPort(pool);
            pool.awaitEvents("worker-listening \\d+ \\d+ \\d+", 3, START);
            int port = listeningPort(pool);

            int[] answered = send(port, 30);
            String text = awaitValue(metricsPort, "requests_total{worker=\"all\"}", 30);
            for (int id = 0; id < 3; id++) {
                assertThat(value(text, "requests_total{worker=\"" + id + "\"}")).as("worker %d's own count", id)
                        .isEqualTo(answered[id]);
            }
            assertThat(text).contains("# TYPE requests_total counter", "# HELP requests_total Requests served",
                    "request_size_bytes_bucket{worker=\"all\",le=\"+Inf\"} 30");

            // every worker's JVM figures, in /metrics and in the status JSON (`workerpool status --json`)
            String status = awaitStatusWithSamples(pidfile.resolveSibling("pool.sock"), 3);
            for (int id = 0; id < 3; id++) {
                String jvm = metricsWithJvmFigures(metricsPort, id);
                assertThat(jvm).containsPattern("workerpool_worker_pss_bytes\\{worker=\"" + id + "\"} [1-9]");
                assertThat(status).containsPattern("\\{\"id\":" + id + ",\"pid\":" + pool.workerPid(id)
                        + ",[^}]*\"heapUsedBytes\":[1-9]\\d*,\"heapCommittedBytes\":[1-9]\\d*,\"gcCount\":\\d+,"
                        + "\"gcShare\":[01]\\.\\d+,\"threads\":[1-9]\\d*,\"pssBytes\":[1-9]\\d*}");
            }

            // SIGKILL: the killed JVM's last shipped counts stay in the pool-wide sum
            long killed = pool.workerPid(1);
            Signal.send(killed, "KILL");
            await().atMost(START).until(() -> pool.workerPid(1) != killed);
            assertThat(value(metrics(metricsPort), "requests_total{worker=\"all\"}")).isEqualTo(30);
            pool.awaitEvents("worker-listening 1 \\d+ \\d+", 2, START);

            send(port, 30);
            awaitValue(metricsPort, "requests_total{worker=\"all\"}", 60);

            // a reload replaces every JVM; the sum must never dip on the way. On a starved machine a new JVM may
            // not be ready within workerTimeout and is killed: the reload fails, which must not lose counts either.
            pool.signal("HUP");
            List<Double> seen = new ArrayList<>();
            String reload = "workerpool_reloads_total{kind=\"reload\",result=";
            await().atMost(START).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() -> {
                String scrape = metrics(metricsPort);
                seen.add(value(scrape, "requests_total{worker=\"all\"}"));
                assertThat(value(scrape, reload + "\"completed\"}") + value(scrape, reload + "\"failed\"}"))
                        .as("a finished reload\n%s", pool.tail()).isEqualTo(1);
            });
            seen.add(value(metrics(metricsPort), "requests_total{worker=\"all\"}"));
            assertThat(seen).as("pool-wide requests during the reload").allMatch(v -> v == 60);
        }
    }

    @Test
    void aWorkerFloodingSeriesIsCutOffAtTheLimitAndTheOthersGoOn() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.micrometer.testapp.MeteredPool")
                .with("workers", 2).with("floodSeries", 100_000).with("shipMs", 1000)
                .jvmOption("-Xmx64m").with("workerJvmOptions", "-Xmx256m").start()) {
            int metricsPort = HttpProbe.awaitPort(pool);
            pool.awaitEvents("worker-listening \\d+ \\d+ \\d+", 2, START);
            pool.awaitLog("sent more than 10000 meter series", START);
            // worker 1's own requests counter may be among the series it had cut: count worker 0's
            int port = listeningPort(pool);
            int answered = 0;
            for (int i = 0; i < 100 && answered < 5; i++) {
                answered += send(port, 1)[0];
            }
            String text = awaitValue(metricsPort, "requests_total{worker=\"0\"}", answered);
            assertThat(value(text, "requests_total{worker=\"0\"}")).isEqualTo(answered);
            Matcher flood = Pattern.compile("(?m)^flood_total\\{n=\"\\d+\",worker=\"1\"} 1\\.0$").matcher(text);
            long kept = flood.results().count();
            // the limit counts every series of that JVM: its requests counter and request size histogram too
            long others = (text.contains("requests_total{worker=\"1\"}") ? 1 : 0)
                    + (text.contains("request_size_bytes_count{worker=\"1\"}") ? 1 : 0);
            assertThat(kept + others).as("series kept for worker 1").isEqualTo(10_000);
            assertThat(Pattern.compile("sent more than 10000 meter series").matcher(pool.log()).results().count())
                    .as("one warning").isEqualTo(1);
            assertThat(pool.master().isAlive()).isTrue();
            assertThat(pool.log()).doesNotContain("OutOfMemoryError");
        }
    }

    private static int listeningPort(PoolProcess pool) {
        for (String line : pool.events()) {
            Matcher m = LISTENING.matcher(line);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no worker-listening event in " + pool.events());
    }

    /** {@code n} requests, one connection each: a line, then the answer; returns how many each worker id answered. */
    private static int[] send(int port, int n) throws IOException {
        int[] answered = new int[8];
        for (int i = 0; i < n; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("ok ");
                answered[Integer.parseInt(answer.substring(3).strip())]++;
            }
        }
        return answered;
    }

    private static String metricsWithJvmFigures(int port, int id) {
        String[] last = {""};
        await().atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            last[0] = metrics(port);
            assertThat(last[0]).containsPattern("workerpool_worker_heap_used_bytes\\{worker=\"" + id + "\"} [1-9]")
                    .containsPattern("workerpool_worker_gc_share\\{worker=\"" + id + "\"} \\d")
                    .containsPattern("workerpool_worker_gc_seconds_total\\{worker=\"" + id + "\"} \\d");
        });
        return last[0];
    }

    private static String awaitStatusWithSamples(Path socket, int workers) {
        String[] last = {""};
        await().atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            last[0] = request(socket, "status");
            assertThat(Pattern.compile("\"pssBytes\":[1-9]").matcher(last[0]).results().count())
                    .as(last[0]).isEqualTo(workers);
        });
        return last[0];
    }

    private static String metrics(int port) throws Exception {
        HttpProbe.Response response = HttpProbe.get(port, "/metrics");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Waits until the series has at least this value; returns the scrape that had it. */
    private static String awaitValue(int port, String series, double atLeast) {
        String[] last = {""};
        await().atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            last[0] = metrics(port);
            assertThat(value(last[0], series)).as("%s in\n%s", series, last[0]).isGreaterThanOrEqualTo(atLeast);
        });
        return last[0];
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in\n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** One request on the management socket, as {@code workerpool status --json} sends it. */
    private static String request(Path socket, String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (channel.read(in) >= 0 && in.hasRemaining()) {
                // read to the end
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
        }
    }
}
