package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Two workers that answer every connection on the pool's shared socket with {@code worker ID PID} and a
 * newline, then close it. {@code -Dlisten=HOST:PORT} gives the pool a {@code listen(...)} address; without
 * it, the socket can only come from systemd's socket activation. Events as in {@link TestPool}:
 * {@code worker-start ID PID}, {@code worker-shutdown ID PID}, {@code master-exit PID}.
 */
public final class ServingPool {
    private ServingPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Supervisor.Builder builder = Supervisor.builder(id -> new ServingWorker(id, events))
                .workers(2)
                .checkInterval(Duration.ofMillis(200))
                .stopTimeout(Duration.ofSeconds(10));
        String listen = System.getProperty("listen");
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            builder.listen(new InetSocketAddress(listen.substring(0, colon),
                    Integer.parseInt(listen.substring(colon + 1))));
        }
        builder.build().main();
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    static final class ServingWorker extends Worker {
        private final long pid = ProcessHandle.current().pid();

        ServingWorker(int id, Path events) {
            super(id);
            onStart(() -> TestPool.record(events, "worker-start " + id + " " + pid));
            onShutdown(() -> TestPool.record(events, "worker-shutdown " + id + " " + pid));
        }

        @Override
        protected void main() throws Exception {
            ServerSocket server = listenChannel().socket();
            server.setSoTimeout(100); // to see isRunning() turn false
            byte[] answer = ("worker " + id() + " " + pid + "\n").getBytes(StandardCharsets.UTF_8);
            while (isRunning()) {
                try (Socket connection = server.accept(); OutputStream out = connection.getOutputStream()) {
                    out.write(answer);
                } catch (SocketTimeoutException e) {
                    // no connection within 100 ms: look at isRunning() again
                }
            }
        }
    }
}
