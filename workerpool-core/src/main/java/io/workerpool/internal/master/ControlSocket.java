package io.workerpool.internal.master;

import io.workerpool.WorkerStatus;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's management socket: a Unix domain socket, mode 0600, that only the master's own user may use
 * (checked again per connection with SO_PEERCRED, which also closes the moment between bind and chmod).
 *
 * <p>Protocol: the client sends one request line (UTF-8, at most {@value #MAX_REQUEST_BYTES} bytes, ending
 * in a newline); the master answers one line, {@code ok <result>} or {@code error <message>}, and closes the
 * connection. Requests: {@code ping}, {@code status} (result: JSON), {@code stop [timeout-millis]},
 * {@code reload}, {@code scale <workers>}, {@code restart <id>}, {@code logs-reopen}. A malformed or oversized request gets an
 * error reply and changes nothing.
 */
final class ControlSocket implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 4096;
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final Path path;
    private final ServerSocketChannel server;
    private final Pool pool;
    private final String owner = System.getProperty("user.name");

    private ControlSocket(Path path, ServerSocketChannel server, Pool pool) {
        this.path = path;
        this.server = server;
        this.pool = pool;
    }

    static ControlSocket open(Path path, Pool pool) throws IOException {
        UnixSockets.removeStale(path, "control socket"); // left by a master that died: the pidfile lock said so
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        ControlSocket socket = new ControlSocket(path, server, pool);
        Thread.ofPlatform().daemon().name("workerpool-control-socket").start(socket::acceptLoop);
        return socket;
    }

    Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("workerpool-control-request").start(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("control socket {}: accept failed: {}", path, e.toString());
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().getName().equals(owner)) {
                LOG.warn("control socket {}: refused a request from user {}", path, peer.user().getName());
                reply(client, "error only user " + owner + " may control this pool");
                return;
            }
            String request;
            try {
                request = readLine(client);
            } catch (IOException e) {
                reply(client, "error " + e.getMessage());
                drain(client); // closing on unread bytes would reset the connection before the client reads
                return;
            }
            reply(client, answer(request));
        } catch (IOException e) {
            LOG.debug("control socket {}: {}", path, e.toString());
        }
    }

    /** One request line; an oversized or unterminated one is refused. */
    private static String readLine(SocketChannel client) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos();
        client.configureBlocking(true);
        while (buffer.hasRemaining()) {
            if (client.read(buffer) < 0 || System.nanoTime() > deadline) {
                break;
            }
            for (int i = 0; i < buffer.position(); i++) {
                if (buffer.get(i) == '\n') {
                    return new String(buffer.array(), 0, i, StandardCharsets.UTF_8).strip();
                }
            }
        }
        if (!buffer.hasRemaining()) {
            throw new IOException("request longer than " + MAX_REQUEST_BYTES + " bytes");
        }
        throw new IOException("request must end with a newline");
    }

    String answer(String request) {
        String[] words = request.isEmpty() ? new String[] {""} : request.split("\\s+");
        String command = words[0].toLowerCase(Locale.ROOT);
        try {
            return switch (command) {
                case "ping" -> "ok pong";
                case "status" -> "ok " + statusJson();
                case "stop" -> {
                    Duration timeout = words.length > 1 ? Duration.ofMillis(positive(words[1], "stop timeout")) : null;
                    if (timeout == null) {
                        pool.terminate();
                    } else {
                        pool.terminate(timeout, "stop request on the control socket");
                    }
                    yield "ok stopping";
                }
                case "logs-reopen" -> {
                    int asked = pool.reopenOutput();
                    yield asked < 0 ? "ok nothing to reopen: the workers write to the master's own stdout/stderr"
                            : "ok " + asked + " worker(s) reopen their output files";
                }
                case "reload" -> {
                    pool.reload();
                    yield "ok reloading";
                }
                case "scale" -> {
                    int workers = (int) positive(argument(words, "scale <workers>"), "workers");
                    pool.scale(workers);
                    yield "ok scaling to " + workers;
                }
                case "restart" -> {
                    int id = (int) nonNegative(argument(words, "restart <id>"), "worker id");
                    pool.restartWorker(id);
                    yield "ok restarting worker " + id;
                }
                default -> "error unknown request '" + abbreviate(request) + "'; known: ping, status, stop [millis],"
                        + " reload, scale <workers>, restart <id>, logs-reopen";
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error " + e.getMessage();
        }
    }

    private String statusJson() {
        List<WorkerStatus> workers = pool.status();
        StringBuilder json = new StringBuilder(256);
        json.append("{\"pid\":").append(ProcessHandle.current().pid())
                .append(",\"state\":").append(Json.string(pool.state().name()))
                .append(",\"reload\":").append(Json.string(pool.reloadStatus()));
        if (pool.metricsAddress() != null) {
            json.append(",\"metrics\":").append(Json.string(pool.metricsAddress()));
        }
        json
                .append(",\"workers\":[");
        for (int i = 0; i < workers.size(); i++) {
            WorkerStatus w = workers.get(i);
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(w.id())
                    .append(",\"pid\":").append(w.pid())
                    .append(",\"state\":").append(Json.string(w.state()))
                    .append(",\"uptimeMillis\":").append(w.uptime().toMillis())
                    .append(",\"restarts\":").append(w.restarts())
                    .append(",\"lastExit\":").append(Json.string(w.lastExit()))
                    .append(",\"heartbeatAgeMillis\":").append(w.heartbeatAge().toMillis())
                    .append(",\"rssBytes\":").append(w.rssBytes())
                    // issue 16: the JVM figures of its latest heartbeat (-1: none yet)
                    .append(",\"heapUsedBytes\":").append(w.heapUsedBytes())
                    .append(",\"heapCommittedBytes\":").append(w.heapCommittedBytes())
                    .append(",\"gcCount\":").append(w.gcCount())
                    .append(",\"gcShare\":").append(w.gcShare() < 0 ? "-1" : String.format(java.util.Locale.ROOT,
                            "%.4f", w.gcShare()))
                    .append(",\"threads\":").append(w.threads())
                    .append(",\"pssBytes\":").append(w.pssBytes()).append('}');
        }
        return json.append("]}").toString();
    }

    private static String argument(String[] words, String usage) {
        if (words.length != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return words[1];
    }

    private static long positive(String text, String what) {
        long value = number(text, what);
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + value);
        }
        return value;
    }

    private static long nonNegative(String text, String what) {
        long value = number(text, what);
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be >= 0, got " + value);
        }
        return value;
    }

    private static long number(String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number, got '" + abbreviate(text) + "'");
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine;
    }

    private static void drain(SocketChannel client) throws IOException {
        client.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long budget = 1 << 20;
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos();
        int n;
        while (budget > 0 && System.nanoTime() < deadline && (n = client.read(sink.clear())) >= 0) {
            budget -= n;
        }
    }

    private static void reply(SocketChannel client, String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            client.write(bytes);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("could not remove control socket {}: {}", path, e.toString());
        }
    }
}
