package io.workerpool.internal.ops;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.posix.ChannelPeers;
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
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.master.Pool;

/**
 * The pool's management socket: a Unix domain socket, mode 0600, that only the master's own user may use
 * (checked again per connection with SO_PEERCRED, which also closes the moment between bind and chmod). The
 * check compares user ids from the kernel, never names (a uid without a passwd entry, as in a container, has
 * no name): the master's own uid and root (who can signal the master anyway) are let in.
 *
 * <p>Bounded: at most {@value #MAX_WAITING} connections wait for their request line at once (one virtual
 * thread each); a new connection past that closes the oldest waiting one that has sent nothing yet (or else
 * the oldest), so that a crowd of silent clients cannot lock out a real request (a client sends its line right
 * after connecting). The line is read before the peer's uid is checked (it costs a look at the kernel), so that
 * a request's bytes are taken in at once.
 * At most {@value #MAX_OPEN} connections are open in all: past that a new one gets {@code error busy} and is
 * closed at once. Each exchange, from accept to the reply, has {@link #REQUEST_TIMEOUT}: a client that sends
 * nothing, or too slowly, is closed then.
 *
 * <p>Protocol: the client sends one request line (UTF-8, at most {@value #MAX_REQUEST_BYTES} bytes, ending
 * in a newline); the master answers one line, {@code ok <result>} or {@code error <message>}, and closes the
 * connection. Requests: {@code ping}, {@code status} (result: JSON), {@code stop [timeout-millis]},
 * {@code reload}, {@code scale <workers>}, {@code restart <id>}, {@code logs-reopen}. A malformed or oversized request gets an
 * error reply and changes nothing.
 */
public final class ManagementSocket implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 4096;
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_WAITING = 64;
    static final int MAX_OPEN = 128;
    /** {@code scale N}: more workers than this is a typo, not a plan (each is a JVM). */
    static final int MAX_WORKERS = 1024;

    private volatile Path path; // issue 15: moved over the old master's path by an upgrade
    private final ServerSocketChannel server;
    private final Pool pool;
    private final String owner = System.getProperty("user.name");
    /** Accepted, no request line read yet: oldest first. */
    /** Guarded by itself. */
    private final java.util.LinkedHashMap<SocketChannel, AtomicLong> waiting = new java.util.LinkedHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private long evictions;
    /** Closes each exchange's channel at its deadline, unless it ended before. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor deadlines;
    private final AcceptBackoff acceptBackoff;
    private long busyRefusals;

    private ManagementSocket(Path path, ServerSocketChannel server, Pool pool) {
        this.path = path;
        this.server = server;
        this.pool = pool;
        this.deadlines = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("workerpool-control-socket-deadline").factory());
        this.deadlines.setRemoveOnCancelPolicy(true);
        this.acceptBackoff = new AcceptBackoff(LOG, "control socket " + path);
    }

    public static ManagementSocket open(Path path, Pool pool) throws IOException {
        UnixSockets.removeStale(path, "control socket"); // left by a master that died: the pidfile lock said so
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        ManagementSocket socket = new ManagementSocket(path, server, pool);
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
                acceptBackoff.succeeded();
                if (open.get() >= MAX_OPEN) {
                    refuseBusy(client);
                    continue;
                }
                SocketChannel oldest = null;
                AtomicLong received = new AtomicLong(); // bytes of its request read so far, by its reader
                synchronized (waiting) {
                    if (waiting.size() >= MAX_WAITING) {
                        oldest = waiting.entrySet().stream().filter(e -> e.getValue().get() == 0).findFirst()
                                .map(java.util.Map.Entry::getKey).orElse(waiting.keySet().iterator().next());
                        waiting.remove(oldest);
                    }
                    waiting.put(client, received);
                }
                if (oldest != null) {
                    if (evictions++ % 1000 == 0) {
                        LOG.warn("control socket {}: {} connections wait for their request already: closed the oldest"
                                + " ({} closed so far)", path, MAX_WAITING, evictions);
                    }
                    closeQuietly(oldest);
                }
                open.incrementAndGet();
                java.util.concurrent.ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(client),
                        REQUEST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                Thread.ofVirtual().name("workerpool-control-request").start(() -> {
                    try {
                        serve(client, received);
                    } finally {
                        deadline.cancel(false);
                        closeQuietly(client);
                        synchronized (waiting) {
                            waiting.remove(client);
                        }
                        open.decrementAndGet();
                    }
                });
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                acceptBackoff.failed(e); // out of descriptors (EMFILE): wait a little instead of spinning
            }
        }
    }

    /** Past {@link #MAX_OPEN}: one line, without blocking, and closed; logged once per 1,000. */
    private void refuseBusy(SocketChannel client) {
        if (busyRefusals++ % 1000 == 0) {
            LOG.warn("control socket {}: {} connections are open already: refused a connection ({} refused so far)",
                    path, MAX_OPEN, busyRefusals);
        }
        try {
            client.configureBlocking(false);
            client.write(ByteBuffer.wrap(("error busy: " + MAX_OPEN + " requests are being served; try again"
                    + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the client is gone or not reading: it is closed anyway
        } finally {
            closeQuietly(client);
        }
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private void serve(SocketChannel client, AtomicLong received) {
        try (client) {
            String request;
            try {
                request = readLine(client, received);
                synchronized (waiting) {
                    waiting.remove(client); // being answered: not to be closed for a newcomer
                }
            } catch (IOException e) {
                if (!client.isOpen()) {
                    return; // closed at its deadline, or for a newcomer
                }
                reply(client, "error " + e.getMessage());
                drain(client); // closing on unread bytes would reset the connection before the client reads
                return;
            }
            String refusal = refusal(client);
            if (refusal != null) {
                LOG.warn("control socket {}: refused a request from {}", path, refusal);
                reply(client, "error only uid " + ChannelPeers.ownUid() + " (" + owner + ") or root may control"
                        + " this pool");
                return;
            }
            reply(client, answer(request));
        } catch (IOException e) {
            LOG.debug("control socket {}: {}", path, e.toString());
        }
    }

    /**
     * Null when the peer's uid (from the kernel) is the master's own or root's; else who it is. Where native
     * access is missing, the JDK's view of the peer's user is compared with the master's (same uid, same
     * principal).
     */
    private String refusal(SocketChannel client) throws IOException {
        try {
            int uid = ChannelPeers.of(client).uid();
            return uid == 0 || uid == ChannelPeers.ownUid() ? null : "uid " + uid;
        } catch (UnsupportedOperationException | LinkageError e) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            java.nio.file.attribute.UserPrincipal self = Files.getOwner(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return peer.user().equals(self) ? null : "user " + peer.user().getName();
        }
    }

    /** One request line; an oversized or unterminated one is refused. */
    private static String readLine(SocketChannel client, AtomicLong received) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos();
        client.configureBlocking(true);
        while (buffer.hasRemaining()) {
            int n = client.read(buffer);
            if (n < 0 || System.nanoTime() > deadline) {
                break;
            }
            received.addAndGet(n);
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
                    Pool.OutputReopen reopened = pool.reopenOutput();
                    String master = reopened.master() ? "the master reopened its log" : "";
                    if (reopened.workers() < 0) {
                        yield master.isEmpty()
                                ? "ok nothing to reopen: the workers write to the master's own stdout/stderr"
                                : "ok " + master;
                    }
                    yield "ok " + (master.isEmpty() ? "" : master + "; ") + reopened.workers()
                            + " worker(s) reopen their output files";
                }
                case "reload" -> {
                    pool.reload();
                    yield "ok reloading";
                }
                case "scale" -> {
                    int workers = (int) positive(argument(words, "scale <workers>"), "workers");
                    if (workers > MAX_WORKERS) {
                        throw new IllegalArgumentException("workers must be at most " + MAX_WORKERS + ", got "
                                + workers);
                    }
                    pool.scale(workers);
                    yield "ok scaling to " + workers;
                }
                case "upgrade" -> { // issue 15 (upgrade) hook
                    Duration timeout = words.length > 1 ? Duration.ofMillis(positive(words[1], "upgrade timeout"))
                            : Pool.UPGRADE_TIMEOUT;
                    java.nio.file.Path result = pool.upgrade(timeout);
                    yield "ok upgrading master pid " + ProcessHandle.current().pid() + ", outcome in " + result;
                }
                case "restart" -> {
                    int id = (int) nonNegative(argument(words, "restart <id>"), "worker id");
                    pool.restartWorker(id);
                    yield "ok restarting worker " + id;
                }
                default -> "error unknown request '" + abbreviate(request) + "'; known: ping, status, stop [millis],"
                        + " reload, scale <workers>, restart <id>, logs-reopen, upgrade [millis]";
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error " + e.getMessage();
        }
    }

    private String statusJson() {
        // core4 hook (issue 11): rows and reload status from one pass of the loop, so that a completed reload's
        // reply never shows the old JVM still serving
        Pool.StatusReport report = pool.statusReport();
        List<WorkerStatus> workers = report.workers();
        StringBuilder json = new StringBuilder(256);
        json.append("{\"pid\":").append(ProcessHandle.current().pid())
                .append(",\"state\":").append(Json.string(pool.state().name()))
                .append(",\"reload\":").append(Json.string(report.reload()));
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
        long budget = 64 << 10; // the rest of an oversized request is cut off: the close may reset it
        long deadline = System.nanoTime() + 1_000_000_000L;
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

    // ---- issue 15 (upgrade) hooks ----
    private volatile boolean keepFile;

    /** A new master takes over the old one's path: an atomic rename, so a client reaches one or the other. */
    public synchronized void moveTo(Path target) throws IOException {
        Files.move(path, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        path = target;
    }

    /** The old master leaves its path to the new one: {@link #close()} must not delete the new one's socket. */
    public void keepFileAtClose(boolean keep) {
        keepFile = keep;
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        try {
            server.close();
            if (!keepFile) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.debug("could not remove control socket {}: {}", path, e.toString());
        }
    }
}
