package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GET requests to a master's metrics(address) port, as a Kubernetes probe or a Prometheus scrape would send. */
public final class HttpProbe {
    private static final Pattern SERVING = Pattern.compile("serving http://\\S+?:(\\d+)/healthz");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** An answer: status and body. */
    public record Response(int status, String body) {
    }

    private HttpProbe() {
    }

    /** The port the master logged it serves on (the real one, with port 0). */
    public static int awaitPort(PoolProcess pool) {
        AtomicInteger port = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .alias("the master logs the port of /healthz\nlog:\n" + pool.tail())
                .until(() -> {
                    Matcher m = SERVING.matcher(pool.log());
                    if (m.find()) {
                        port.set(Integer.parseInt(m.group(1)));
                    }
                    return port.get() > 0;
                });
        return port.get();
    }

    public static Response get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }

    /** Waits (at most {@code atMost}) until a GET of {@code path} answers what {@code expected} accepts. */
    public static Response awaitAnswer(int port, String path, Predicate<Response> expected, Duration atMost) {
        Response[] last = {null};
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() -> {
            last[0] = get(port, path);
            assertThat(expected.test(last[0])).as("GET %s on port %d answered %s", path, port, last[0]).isTrue();
        });
        return last[0];
    }

    /** Waits until a GET of {@code path} answers exactly this status and one-line body. */
    public static void awaitAnswer(int port, String path, int status, String body, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() ->
                assertThat(get(port, path)).as("GET %s on port %d", path, port)
                        .isEqualTo(new Response(status, body + "\n")));
    }
}
