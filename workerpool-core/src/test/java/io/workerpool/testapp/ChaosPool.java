package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The pool the chaos run ({@code io.workerpool.it.chaos}) breaks on purpose. A pidfile {@code pool.pid} next to
 * the events file, hence a control socket {@code pool.sock} beside it, and one of two worker modes:
 *
 * <ul>
 *   <li>{@code -Dmode=serve} (default): {@code 127.0.0.1:<port>} shared by all workers; each connection gets one
 *   request line and the answer {@code pong <id> <pid>}. Crashes on demand, through trigger files the chaos run
 *   writes into the {@code triggers} directory next to the events file: {@code crash-<pid>} makes that JVM's
 *   {@code main()} throw, {@code halt-<pid>} ends it with {@code Runtime.halt(70)} (no shutdown at all), and while
 *   {@code crashloop-<id>} exists every JVM of worker {@code id} throws as soon as its {@code main()} starts.</li>
 *   <li>{@code -Dmode=short-lived}: each worker's {@code main()} returns after {@code -DlifeMs} (default 1300), just
 *   past the master's 1 s quick-exit threshold, so it is replaced at once without backoff: a restart soak.</li>
 * </ul>
 *
 * <p>Events (file {@code -Devents}): {@code worker-listening <id> <pid> <port>} (serve mode), {@code master-exit
 * <pid>}. Other properties: {@code workers} (4), {@code workerTimeoutMs} (4000), {@code checkIntervalMs} (200),
 * {@code stopTimeoutMs} (5000), {@code workerJvmOptions} (space-separated, workers only).
 */
public final class ChaosPool {
    private ChaosPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Path triggers = events.resolveSibling("triggers");
        String mode = System.getProperty("mode", "serve");
        long lifeMs = Long.getLong("lifeMs", 1300);
        Supervisor.Builder builder = Supervisor.builder(id -> switch (mode) {
            case "serve" -> new ServingWorker(id, events, triggers);
            case "short-lived" -> new ShortLivedWorker(id, lifeMs);
            default -> throw new IllegalArgumentException("mode must be serve or short-lived, got " + mode);
        });
        builder.workers(Integer.getInteger("workers", 4))
                .workerTimeout(Duration.ofMillis(Long.getLong("workerTimeoutMs", 4000)))
                .checkInterval(Duration.ofMillis(Long.getLong("checkIntervalMs", 200)))
                .stopTimeout(Duration.ofMillis(Long.getLong("stopTimeoutMs", 5000)))
                .pidFile(events.resolveSibling("pool.pid"));
        if (mode.equals("serve")) {
            builder.listen(new InetSocketAddress("127.0.0.1", 0));
        }
        if (System.getProperty("workerJvmOptions") != null) {
            builder.workerJvmOptions(System.getProperty("workerJvmOptions").split(" "));
        }
        builder.build().main();
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    /** Serves the shared socket with two accepting threads while its main thread watches for crash triggers. */
    static final class ServingWorker extends Worker {
        private static final int HANDLER_THREADS = 2;
        private final long pid = ProcessHandle.current().pid();
        private final Path events;
        private final Path triggers;

        ServingWorker(int id, Path events, Path triggers) {
            super(id);
            this.events = events;
            this.triggers = triggers;
        }

        @Override
        protected void main() throws Exception {
            if (Files.exists(triggers.resolve("crashloop-" + id()))) {
                throw new IllegalStateException("crash loop on purpose: " + triggers.resolve("crashloop-" + id())
                        + " exists");
            }
            ServerSocketChannel server = listenChannel();
            for (int i = 0; i < HANDLER_THREADS; i++) {
                Thread.ofPlatform().daemon().name("handler-" + i).start(() -> serve(server));
            }
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            TestPool.record(events, "worker-listening " + id() + " " + pid + " " + port);
            Path crash = triggers.resolve("crash-" + pid);
            Path halt = triggers.resolve("halt-" + pid);
            while (isRunning()) {
                if (Files.exists(crash)) {
                    throw new IllegalStateException("crash on demand: " + crash + " exists");
                }
                if (Files.exists(halt)) {
                    Runtime.getRuntime().halt(70);
                }
                Thread.sleep(20);
            }
            // Stopping: the library closed this JVM's copy of the socket, so the handlers leave accept().
        }

        private void serve(ServerSocketChannel server) {
            byte[] answer = ("pong " + id() + " " + pid + "\n").getBytes(StandardCharsets.US_ASCII);
            while (true) {
                try (SocketChannel client = server.accept()) {
                    client.socket().setSoTimeout(10_000);
                    readLine(client.socket().getInputStream());
                    client.write(ByteBuffer.wrap(answer));
                } catch (ClosedChannelException stopping) {
                    return;
                } catch (IOException e) {
                    // this client went away (the chaos run's clients give up too): serve the next
                }
            }
        }

        private static void readLine(InputStream in) throws IOException {
            int b;
            int read = 0;
            while ((b = in.read()) != -1 && b != '\n' && ++read < 1024) {
                // the request's content does not matter
            }
        }
    }

    /** Lives just past the master's quick-exit threshold, then returns: replaced at once, again and again. */
    static final class ShortLivedWorker extends Worker {
        private final long lifeMs;

        ShortLivedWorker(int id, long lifeMs) {
            super(id);
            this.lifeMs = lifeMs;
        }

        @Override
        protected void main() throws InterruptedException {
            Thread.sleep(lifeMs);
        }
    }
}
