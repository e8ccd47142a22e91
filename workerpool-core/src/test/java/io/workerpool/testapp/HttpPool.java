package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool of tiny HTTP/1.1 servers on the pool's shared socket, for the shared-socket tests. Each worker runs
 * {@code -DhandlerThreads=K} threads (default 2), each of which accepts one connection and serves it before
 * accepting the next: a worker never holds more than K accepted connections, which bounds what its death can
 * lose.
 *
 * <p>Per connection: read the request head, answer at once with an interim {@code 103 Early Hints} carrying
 * {@code X-Worker: <id> <pid>} (so a client knows its request was accepted, and by whom), hold the request for
 * the milliseconds in a {@code /hold/<ms>} path (else {@code -DholdMs}, default 0), or for {@code /wait/<name>}
 * until a file of that name exists next to the events file (the test's release, at most 60 s), then answer {@code 200}
 * with the body {@code worker <id> pid <pid>} and close ({@code Connection: close}).
 *
 * <p>Events (file {@code -Devents}): {@code worker-start id pid}, {@code worker-listening id pid port},
 * {@code worker-main-returned id pid}, {@code worker-shutdown id pid}, {@code master-start},
 * {@code master-shutdown} and {@code master-exit} with the master's pid. Other properties: {@code port}
 * (default 0: any free port), {@code host} (default 127.0.0.1), {@code workers} (default 2),
 * {@code stopTimeoutMs} (default 30000).
 */
public final class HttpPool {
    private HttpPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        int handlerThreads = Integer.getInteger("handlerThreads", 2);
        long defaultHoldMs = Long.getLong("holdMs", 0);
        Supervisor supervisor = Supervisor.builder(id -> new HttpWorker(id, events, handlerThreads, defaultHoldMs))
                .workers(Integer.getInteger("workers", 2))
                .listen(new InetSocketAddress(System.getProperty("host", "127.0.0.1"), Integer.getInteger("port", 0)))
                .stopTimeout(Duration.ofMillis(Long.getLong("stopTimeoutMs", 30_000)))
                .checkInterval(Duration.ofMillis(200))
                .build();
        supervisor.onStart(() -> TestPool.record(events, "master-start " + ProcessHandle.current().pid()));
        supervisor.onShutdown(() -> TestPool.record(events, "master-shutdown " + ProcessHandle.current().pid()));
        supervisor.main();
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    static final class HttpWorker extends Worker {
        private final Path events;
        private final int handlerThreads;
        private final long defaultHoldMs;
        private final long pid = ProcessHandle.current().pid();

        HttpWorker(int id, Path events, int handlerThreads, long defaultHoldMs) {
            super(id);
            this.events = events;
            this.handlerThreads = handlerThreads;
            this.defaultHoldMs = defaultHoldMs;
            onStart(() -> TestPool.record(events, "worker-start " + id + " " + pid));
            onShutdown(() -> TestPool.record(events, "worker-shutdown " + id + " " + pid));
        }

        @Override
        protected void main() throws Exception {
            ServerSocketChannel server = listenChannel();
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            List<Thread> handlers = new ArrayList<>();
            for (int i = 0; i < handlerThreads; i++) {
                handlers.add(Thread.ofPlatform().name("handler-" + i).start(() -> serve(server)));
            }
            TestPool.record(events, "worker-listening " + id() + " " + pid + " " + port);
            // The handlers end when the library closes this worker's copy of the socket on a stop, each after
            // finishing the request it holds: joining them is the graceful drain.
            for (Thread handler : handlers) {
                handler.join();
            }
            TestPool.record(events, "worker-main-returned " + id() + " " + pid);
        }

        private void serve(ServerSocketChannel server) {
            while (true) {
                SocketChannel client;
                try {
                    client = server.accept();
                } catch (ClosedChannelException stopped) {
                    return; // AsynchronousCloseException included: the stop closed our copy of the socket
                } catch (IOException e) {
                    logger().warn("worker {}: accept failed: {}", id(), e.toString());
                    continue;
                }
                try (Socket socket = client.socket()) {
                    socket.setSoTimeout(10_000);
                    handle(socket);
                } catch (IOException | RuntimeException e) {
                    logger().warn("worker {}: connection failed: {}", id(), e.toString());
                }
            }
        }

        private void handle(Socket socket) throws IOException {
            String requestLine = readHead(new BufferedInputStream(socket.getInputStream()));
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 103 Early Hints\r\nX-Worker: " + id() + " " + pid + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                hold(requestLine);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String body = "worker " + id() + " pid " + pid + "\n";
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** {@code GET /hold/250}: 250 ms; {@code GET /wait/NAME}: until the file NAME exists next to the events. */
        private void hold(String requestLine) throws InterruptedException {
            String[] parts = requestLine.split(" ");
            String path = parts.length >= 2 ? parts[1] : "/";
            if (path.startsWith("/wait/")) {
                Path release = events.resolveSibling(path.substring("/wait/".length()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!Files.exists(release) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                return;
            }
            long holdMs = defaultHoldMs;
            if (path.startsWith("/hold/")) {
                holdMs = Long.parseLong(path.substring("/hold/".length()));
            }
            if (holdMs > 0) {
                Thread.sleep(holdMs);
            }
        }

        /** Reads up to the blank line ending the request head; returns the request line. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) != -1 && head.length() < 16 * 1024) {
                head.append((char) b);
                if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                    break;
                }
            }
            int end = head.indexOf("\r\n");
            return end < 0 ? head.toString() : head.substring(0, end);
        }
    }
}
