package io.workerpool.micrometer.testapp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.workerpool.Supervisor;
import io.workerpool.Worker;
import io.workerpool.micrometer.WorkerpoolMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A pool whose workers count requests with Micrometer ({@link WorkerpoolMeterRegistry}), for the end-to-end
 * tests of shipped meters. A request is one connection to the shared socket: the worker reads one line, counts
 * it ({@code requests} counter, {@code request.size} summary with a histogram), answers {@code ok <id>} and
 * closes. Events (file {@code -Devents}): {@code worker-start id pid}, {@code worker-listening id pid port},
 * {@code master-start pid}. Properties: {@code workers} (3), {@code shipMs} (200), {@code workerTimeoutMs}
 * (15000), {@code pidfile}, {@code workerJvmOptions}; {@code floodSeries} (0): worker 1 registers that many counters with distinct tags.
 */
public final class MeteredPool {
    private MeteredPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Supervisor.Builder builder = Supervisor.builder(id -> new MeteredWorker(id, events))
                .workers(Integer.getInteger("workers", 3))
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .metrics(new InetSocketAddress("127.0.0.1", 0))
                .workerTimeout(Duration.ofMillis(Long.getLong("workerTimeoutMs", 15_000)))
                .checkInterval(Duration.ofMillis(200))
                .stopTimeout(Duration.ofSeconds(10));
        if (System.getProperty("workerJvmOptions") != null) {
            builder.workerJvmOptions(System.getProperty("workerJvmOptions").split(" "));
        }
        if (System.getProperty("pidfile") != null) {
            builder.pidFile(Path.of(System.getProperty("pidfile")));
        }
        Supervisor supervisor = builder.build();
        supervisor.onStart(() -> record(events, "master-start " + ProcessHandle.current().pid()));
        supervisor.main();
    }

    /** One line per write, appended: lines from several JVMs never tear. */
    static synchronized void record(Path events, String line) {
        try {
            java.nio.file.Files.writeString(events, line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class MeteredWorker extends Worker {
        private final Path events;
        private final long pid = ProcessHandle.current().pid();
        private final WorkerpoolMeterRegistry registry =
                new WorkerpoolMeterRegistry(Duration.ofMillis(Long.getLong("shipMs", 200)));
        private final Counter requests = Counter.builder("requests").description("Requests served")
                .register(registry);
        private final DistributionSummary sizes = DistributionSummary.builder("request.size").baseUnit("bytes")
                .serviceLevelObjectives(4, 16, 64).register(registry);

        MeteredWorker(int id, Path events) {
            super(id);
            this.events = events;
            int flood = Integer.getInteger("floodSeries", 0);
            if (id == 1 && flood > 0) {
                for (int i = 0; i < flood; i++) {
                    Counter.builder("flood").tag("n", Integer.toString(i)).register(registry).increment();
                }
            }
            onStart(() -> record(events, "worker-start " + id + " " + pid));
            onShutdown(registry::close); // ships the last counts before the JVM goes
        }

        @Override
        protected void main() throws Exception {
            ServerSocketChannel server = listenChannel();
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            record(events, "worker-listening " + id() + " " + pid + " " + port);
            Thread acceptor = Thread.ofPlatform().daemon().name("acceptor").start(() -> serve(server));
            while (isRunning()) {
                Thread.sleep(50);
            }
            server.close();
            acceptor.join(2000);
        }

        private void serve(ServerSocketChannel server) {
            while (true) {
                try (Socket socket = server.accept().socket()) {
                    InputStream in = socket.getInputStream();
                    int length = 0;
                    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                        length++;
                    }
                    requests.increment();
                    sizes.record(length);
                    OutputStream out = socket.getOutputStream();
                    out.write(("ok " + id() + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // the client went away: next one
                }
            }
        }
    }
}
