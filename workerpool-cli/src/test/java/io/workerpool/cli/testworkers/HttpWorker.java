package io.workerpool.cli.testworkers;

import io.workerpool.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 server on the pool's shared socket, one request per connection ("Connection: close"):
 * every request accepted is answered, also while the worker stops, so a graceful stop loses nothing. Events as
 * {@link RecordingWorker}'s in the file named by its first ARG.
 */
public class HttpWorker extends Worker {
    private final Path events;
    private final long pid = ProcessHandle.current().pid();

    public HttpWorker(int id, String[] args) {
        super(id);
        this.events = Path.of(args[0]);
        onShutdown(() -> record("worker-shutdown " + id + " " + pid));
    }

    @Override
    protected void main() throws InterruptedException {
        ServerSocketChannel listener = listenChannel();
        record("worker-main " + id() + " " + pid + " []");
        try (ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor()) {
            while (isRunning()) {
                SocketChannel connection;
                try {
                    connection = listener.accept(); // the library closes the listener on stop, which ends this
                } catch (IOException e) {
                    break;
                }
                connections.submit(() -> answer(connection));
            }
            connections.shutdown();
            connections.awaitTermination(10, TimeUnit.SECONDS); // requests in flight are answered
        }
    }

    private Void answer(SocketChannel connection) throws IOException {
        try (connection) {
            ByteBuffer request = ByteBuffer.allocate(4096);
            while (!endOfHeaders(request)) {
                if (connection.read(request) < 0 || !request.hasRemaining()) {
                    return null;
                }
            }
            String body = "worker " + id() + "\n";
            String response = "HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            ByteBuffer out = ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                connection.write(out);
            }
        }
        return null;
    }

    private static boolean endOfHeaders(ByteBuffer buffer) {
        int n = buffer.position();
        return n >= 4 && buffer.get(n - 4) == '\r' && buffer.get(n - 3) == '\n' && buffer.get(n - 2) == '\r'
                && buffer.get(n - 1) == '\n';
    }

    private void record(String line) {
        try {
            Files.writeString(events, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
