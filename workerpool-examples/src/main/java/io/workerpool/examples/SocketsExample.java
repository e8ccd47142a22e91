package io.workerpool.examples;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One listening socket shared by all workers: the master binds it, and each worker accepts connections on
 * its own copy with a plain blocking {@link ServerSocketChannel}; the kernel hands each connection to one of
 * them. Each worker answers any HTTP request with {@code pong from #<id> <pid>!}.
 *
 * <p>Port: system property {@code workerpool.example.port} (default 8080). Run:
 * {@code ./run-example sockets}, then {@code curl http://127.0.0.1:8080/} a few times and watch the pid change.
 */
public final class SocketsExample {

    /** Serves tiny HTTP/1.1 responses, one connection at a time, on the pool's shared socket. */
    static final class PongWorker extends Worker {
        PongWorker(int id) {
            super(id);
        }

        @Override
        protected void main() throws IOException {
            ServerSocketChannel server = listenChannel();
            byte[] response = response("pong from #" + id() + " " + ProcessHandle.current().pid() + "!\n");
            logger().info("accepting on {}", server.getLocalAddress());
            while (isRunning()) {
                // On a stop the library closes this worker's copy of the socket (SIGINT interrupts accept()),
                // so a blocked accept() ends with AsynchronousCloseException: that is how this loop ends.
                try (SocketChannel client = server.accept()) {
                    Socket socket = client.socket();
                    socket.setSoTimeout(5000); // a silent client must not hold up the worker for ever
                    skipRequestHead(new BufferedInputStream(socket.getInputStream()));
                    socket.getOutputStream().write(response);
                } catch (ClosedChannelException e) {
                    // AsynchronousCloseException and ClosedByInterruptException are ClosedChannelExceptions too
                    return; // the listening socket was closed, or Ctrl-C interrupted us: a normal stop
                } catch (IOException e) {
                    logger().warn("connection failed: {}", e.toString()); // one client's problem, not ours
                }
            }
        }

        private static byte[] response(String body) {
            // Connection: close keeps the protocol trivial: one request per connection.
            String head = "HTTP/1.1 200 OK\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                    + "Connection: close\r\n\r\n";
            return (head + body).getBytes(StandardCharsets.UTF_8);
        }

        /** Reads up to the blank line that ends the request head (or 16 KiB, or end of stream). */
        private static void skipRequestHead(InputStream in) throws IOException {
            int matched = 0;
            for (int i = 0, b; i < 16 * 1024 && matched < 4 && (b = in.read()) != -1; i++) {
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        }
    }

    public static void main(String[] args) {
        int port = Integer.getInteger("workerpool.example.port", 8080);
        Supervisor.builder(PongWorker::new)
                .workers(2)
                .listen(new InetSocketAddress("127.0.0.1", port)) // bound by the master, shared with the workers
                .build()
                .main();
    }
}
