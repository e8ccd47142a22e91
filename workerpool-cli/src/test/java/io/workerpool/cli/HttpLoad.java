package io.workerpool.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * HTTP clients in a loop against a pool of {@code HttpWorker}s: one request per connection, from a few threads;
 * every failure (refused, reset, a bad reply) kept with its reason.
 */
final class HttpLoad implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private List<Thread> clients = List.of();

    void start(int port, int threads) {
        clients = IntStream.range(0, threads).mapToObj(i -> Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                request(port);
            }
        })).toList();
    }

    /** Waits until {@code more} requests more than now are answered (the pool serves). */
    void awaitAnswered(long more) {
        long from = ok.get();
        await().atMost(Duration.ofSeconds(90)).until(() -> ok.get() >= from + more);
    }

    private void request(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (response.startsWith("HTTP/1.1 200 OK") && response.endsWith("\n")) {
                ok.incrementAndGet();
            } else {
                failures.add("unexpected response: '" + response + "'");
            }
        } catch (IOException e) {
            failures.add(e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread client : clients) {
            client.join(20_000);
        }
    }
}
