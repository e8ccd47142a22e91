package io.workerpool.internal.ops;

import io.workerpool.internal.master.Pool;
import io.workerpool.internal.posix.ChannelPeers;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's control socket (the management socket): a Unix domain socket, mode 0600, that only the master's
 * own user may use (checked again per connection with SO_PEERCRED, which also closes the moment between bind
 * and chmod). The check compares user ids from the kernel, never names (a uid without a passwd entry, as in a
 * container, has no name): the master's own uid and root (who can signal the master anyway) are let in.
 *
 * <p>One thread accepts and reads every request line with a selector, so a silent client costs a descriptor
 * and a buffer, not a thread. Bounded: at most {@value #MAX_WAITING} connections wait for their request line;
 * a new connection past that closes the oldest waiting one that has sent nothing yet (or else the oldest), so
 * that a crowd of silent clients cannot lock out a real request (a client sends its line right after
 * connecting). Before it chooses, the thread takes in every byte the kernel holds for the waiting ones: what a
 * client sent counts, however busy the machine (a choice on what some reader thread had got round to reading
 * closed real requests under load). At most {@value #MAX_OPEN} connections are open in all: past that a new
 * one gets {@code error busy} and is closed at once. Each exchange, from accept to the reply, has
 * {@link #REQUEST_TIMEOUT}: a client that sends nothing, too slowly, or does not read its reply, is closed then.
 * A complete line is answered on a virtual thread ({@link ManagementRequests}), after the peer's uid check.
 *
 * <p>Protocol: the client sends one request line (UTF-8, at most {@value #MAX_REQUEST_BYTES} bytes, ending in
 * a newline); the master answers one line and closes the connection.
 */
public final class ManagementSocket implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 4096;
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_WAITING = 64;
    static final int MAX_OPEN = 128;

    /** An accepted connection whose request line is not complete yet. */
    private static final class Waiting {
        final SocketChannel client;
        final long deadline;
        final ByteBuffer line = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        SelectionKey key;

        Waiting(SocketChannel client, long deadline) {
            this.client = client;
            this.deadline = deadline;
        }
    }

    private volatile Path path; // issue 15: moved over the old master's path by an upgrade
    private final ServerSocketChannel server;
    private final Selector selector;
    private final ManagementRequests requests;
    private final String owner = System.getProperty("user.name");
    /** Oldest first; the selector thread's own. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** Waiting plus being answered. */
    private final AtomicInteger open = new AtomicInteger();
    private final AcceptBackoff acceptBackoff;
    /** Closes an exchange being answered at its deadline (an answer that waits on a stuck loop, say). */
    private final ScheduledThreadPoolExecutor deadlines;
    private long evictions;
    private long busyRefusals;

    private ManagementSocket(Path path, ServerSocketChannel server, Selector selector, Pool pool) {
        this.path = path;
        this.server = server;
        this.selector = selector;
        this.requests = new ManagementRequests(pool);
        this.acceptBackoff = new AcceptBackoff(LOG, "control socket " + path);
        this.deadlines = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("workerpool-management-deadline").factory());
        this.deadlines.setRemoveOnCancelPolicy(true);
    }

    public static ManagementSocket open(Path path, Pool pool) throws IOException {
        UnixSockets.removeStale(path, "control socket"); // left by a master that died: the pidfile lock said so
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
        ManagementSocket socket = new ManagementSocket(path, server, selector, pool);
        Thread.ofPlatform().daemon().name("workerpool-management-socket").start(socket::selectLoop);
        return socket;
    }

    Path path() {
        return path;
    }

    private void selectLoop() {
        try {
            while (server.isOpen()) {
                long wait = waiting.isEmpty() ? 0 : Math.max(1, (waiting.peekFirst().deadline - System.nanoTime())
                        / 1_000_000);
                selector.select(wait);
                boolean acceptable = false;
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isValid() && key.isAcceptable()) {
                        acceptable = true;
                    } else if (key.isValid() && key.isReadable()) {
                        read((Waiting) key.attachment());
                    }
                }
                if (acceptable) {
                    acceptAll();
                }
                closeOverdue();
            }
        } catch (ClosedChannelException | java.nio.channels.ClosedSelectorException e) {
            // closed: the pool stops
        } catch (IOException e) {
            LOG.error("control socket {}: the selector failed, no more requests are served: {}", path, e.toString());
        } finally {
            for (Waiting w : waiting) {
                closeQuietly(w.client);
            }
        }
    }

    private void acceptAll() throws IOException {
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                acceptBackoff.failed(e); // out of descriptors (EMFILE): wait a little instead of spinning
                return;
            }
            if (client == null) {
                return;
            }
            acceptBackoff.succeeded();
            if (open.get() >= MAX_OPEN) {
                refuseBusy(client);
                continue;
            }
            if (waiting.size() >= MAX_WAITING) {
                evictOne();
            }
            Waiting w = new Waiting(client, System.nanoTime() + REQUEST_TIMEOUT.toNanos());
            try {
                client.configureBlocking(false);
                w.key = client.register(selector, SelectionKey.OP_READ, w);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            waiting.addLast(w);
            open.incrementAndGet();
            read(w); // a client sends its line right after connecting: it is often there already
        }
    }

    /** Takes in what the kernel holds for every waiting connection, then closes the oldest silent one. */
    private void evictOne() throws IOException {
        selector.selectNow();
        for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
            SelectionKey key = keys.next();
            if (key.isValid() && key.isReadable()) {
                keys.remove();
                read((Waiting) key.attachment());
            }
        }
        if (waiting.size() < MAX_WAITING) {
            return;
        }
        Waiting oldest = waiting.stream().filter(w -> w.line.position() == 0).findFirst().orElse(waiting.peekFirst());
        if (evictions++ % 1000 == 0) {
            LOG.warn("control socket {}: {} connections wait for their request already: closed the oldest ({} closed"
                    + " so far)", path, MAX_WAITING, evictions);
        }
        drop(oldest);
    }

    /** Reads what is there; a complete, oversized or ended request leaves the waiting list to be answered. */
    private void read(Waiting w) {
        int n;
        try {
            n = w.client.read(w.line);
        } catch (IOException e) {
            drop(w);
            return;
        }
        for (int i = w.line.position() - Math.max(n, 0); i < w.line.position(); i++) {
            if (w.line.get(i) == '\n') {
                String request = new String(w.line.array(), 0, i, StandardCharsets.UTF_8).strip();
                answerLater(w, request, null);
                return;
            }
        }
        if (!w.line.hasRemaining()) {
            answerLater(w, null, "request longer than " + MAX_REQUEST_BYTES + " bytes");
        } else if (n < 0) {
            answerLater(w, null, "request must end with a newline");
        }
    }

    private void closeOverdue() {
        long now = System.nanoTime();
        while (!waiting.isEmpty() && now - waiting.peekFirst().deadline >= 0) {
            drop(waiting.peekFirst());
        }
    }

    private void drop(Waiting w) {
        waiting.remove(w);
        w.key.cancel();
        closeQuietly(w.client);
        open.decrementAndGet();
    }

    /** Off the selector: the uid check and the answer may take a while; the exchange keeps its deadline. */
    private void answerLater(Waiting w, String request, String error) {
        waiting.remove(w);
        w.key.cancel(); // the channel stays non-blocking: writes below wait by polling, up to the deadline
        ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(w.client),
                Math.max(0, w.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        Thread.ofVirtual().name("workerpool-management-request").start(() -> {
            try (SocketChannel client = w.client) {
                if (error != null) {
                    reply(client, "error " + error, w.deadline);
                    drain(client, w.deadline); // closing on unread bytes would reset it before the client reads
                    return;
                }
                String refusal = refusal(client);
                if (refusal != null) {
                    LOG.warn("control socket {}: refused a request from {}", path, refusal);
                    reply(client, "error only uid " + ChannelPeers.ownUid() + " (" + owner + ") or root may control"
                            + " this pool", w.deadline);
                    return;
                }
                reply(client, requests.answer(request), w.deadline);
            } catch (IOException | InterruptedException e) {
                LOG.debug("control socket {}: {}", path, e.toString());
            } finally {
                deadline.cancel(false);
                open.decrementAndGet();
            }
        });
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
            UserPrincipal self = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
            return peer.user().equals(self) ? null : "user " + peer.user().getName();
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

    private static void reply(SocketChannel client, String line, long deadline)
            throws IOException, InterruptedException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining() && client.write(bytes) >= 0) {
            if (bytes.hasRemaining()) {
                pause(deadline, "the reply was not read");
            }
        }
    }

    /** Reads and drops what the client still sends, up to 64 KiB or 1 s (then the close may reset it). */
    private static void drain(SocketChannel client, long deadline) throws IOException, InterruptedException {
        client.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long budget = 64 << 10;
        long end = Math.min(deadline, System.nanoTime() + 1_000_000_000L);
        int n;
        while (budget > 0 && (n = client.read(sink.clear())) >= 0) {
            budget -= n;
            if (n == 0) {
                pause(end, "drained");
            }
        }
    }

    private static void pause(long deadline, String why) throws IOException, InterruptedException {
        if (System.nanoTime() - deadline >= 0) {
            throw new IOException("exchange deadline passed: " + why);
        }
        Thread.sleep(5);
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    // ---- issue 15 (upgrade) hooks ----
    private volatile boolean keepFile;

    /** A new master takes over the old one's path: an atomic rename, so a client reaches one or the other. */
    public synchronized void moveTo(Path target) throws IOException {
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
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
            selector.close();
            if (!keepFile) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.debug("could not remove control socket {}: {}", path, e.toString());
        }
    }
}
