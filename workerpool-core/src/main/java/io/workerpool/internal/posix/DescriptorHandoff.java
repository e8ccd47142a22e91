package io.workerpool.internal.posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands open descriptors (such as the pool's listening socket) from the master to worker JVMs over a Unix
 * domain socket, with SCM_RIGHTS, which the JDK's own Unix domain channels cannot do.
 *
 * <p>The exchange: the worker connects and sends its secret as a 4-byte big-endian length and that many
 * bytes; the master checks that the peer runs as the same user (SO_PEERCRED), looks the secret up, and sends
 * the descriptors with one byte of data; or one byte without descriptors when it knows the secret but has
 * nothing to hand over (its pool is stopping and has closed the socket); or nothing, a refusal. Then it closes
 * the connection.
 */
public final class DescriptorHandoff {
    /** Longest secret a worker may present. */
    public static final int MAX_SECRET_BYTES = 1024;
    /** Most descriptors handed over in one exchange. */
    public static final int MAX_DESCRIPTORS = ScmRights.MAX_DESCRIPTORS;
    /** How long either side waits for the other within one exchange. */
    static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOGGER = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private DescriptorHandoff() {
    }

    /**
     * Worker side: asks the {@link Server} at {@code socketPath} for the descriptors registered for
     * {@code secret}. Blocks the calling thread in native code for up to 10 seconds per step, so call it from
     * a platform thread.
     *
     * @return new descriptors in this process (close-on-exec), in the order the server listed them; the
     *     caller owns and must close them. None when the server knows the secret but has nothing to hand over
     *     (a pool that is stopping has closed its listening socket): not a refusal.
     * @throws PosixException when the server cannot be reached, does not answer in time, or refused: "the
     *     master at PATH refused to hand over descriptors..."
     * @throws IllegalArgumentException when the secret is longer than {@link #MAX_SECRET_BYTES}
     */
    public static int[] receive(Path socketPath, byte[] secret) throws PosixException {
        if (secret.length > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("secret of " + secret.length + " bytes exceeds the limit of "
                    + MAX_SECRET_BYTES);
        }
        int fd = Sockets.connectUnix(socketPath);
        try {
            Sockets.setTimeouts(fd, EXCHANGE_TIMEOUT);
            Sockets.sendFully(fd, ByteBuffer.allocate(4 + secret.length).putInt(secret.length).put(secret).array());
            ScmRights.Received received = ScmRights.receive(fd);
            if (!received.answered()) {
                throw refused(socketPath, null);
            }
            return received.descriptors();
        } catch (PosixException e) {
            throw switch (e.errno()) {
                // ECONNRESET: the server closed without reading our request, as it does for another user
                case Errno.EPIPE, Errno.ECONNRESET -> refused(socketPath, e);
                case Errno.EAGAIN -> PosixException.whileDoing("no descriptors from " + socketPath + " within "
                        + EXCHANGE_TIMEOUT.toSeconds() + " s", e, "is the master stuck?");
                default -> e;
            };
        } finally {
            try {
                Posix.close(fd);
            } catch (PosixException e) {
                LOGGER.debug("closing descriptor {} failed: {}", fd, e.getMessage());
            }
        }
    }

    private static PosixException refused(Path socketPath, PosixException cause) {
        String message = "the master at " + socketPath + " refused to hand over descriptors: it does not know "
                + "our secret, or we run as another user";
        return cause == null ? new PosixException(message, 0) : new PosixException(message, cause.errno(), cause);
    }

    /**
     * Master side: a Unix domain socket at a path, readable and writable only by this user (mode 0600), and a
     * daemon thread that accepts workers and answers up to {@value #MAX_EXCHANGES} of them at once, each on its
     * own thread, each within {@link #EXCHANGE_TIMEOUT} from accept to the last byte (a deadline per exchange,
     * not per read: a client trickling its request a byte at a time is cut off then). Past
     * {@value #MAX_EXCHANGES}, new connections wait in the kernel's backlog until an exchange ends, which is
     * bounded by the deadline; so a few slow clients cannot keep a worker from its descriptors for longer
     * than that. Descriptors the lookup function returns stay open and owned by the caller (the server only
     * sends copies), unless the server was started with {@link #startHandingOver}.
     */
    public static final class Server implements AutoCloseable {
        private static final int BACKLOG = 64;
        static final int MAX_EXCHANGES = 8;

        private final Path path;
        private final int listeningFd;
        private final Function<byte[], int[]> descriptorsForSecret;
        private final int allowedUid;
        private final boolean handsOver;
        private final ReentrantLock connectionLock = new ReentrantLock();
        private final Thread acceptor;
        private volatile boolean closed;
        /** Connections being answered; guarded by connectionLock, so no number the kernel reused is touched. */
        private final java.util.Set<Integer> active = new java.util.HashSet<>();
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(MAX_EXCHANGES);
        private final java.util.concurrent.ScheduledThreadPoolExecutor deadlines;

        private Server(Path path, int listeningFd, Function<byte[], int[]> descriptorsForSecret, int allowedUid,
                       boolean handsOver) {
            this.path = path;
            this.listeningFd = listeningFd;
            this.descriptorsForSecret = descriptorsForSecret;
            this.allowedUid = allowedUid;
            this.handsOver = handsOver;
            this.acceptor = Thread.ofPlatform().name("workerpool-descriptor-handoff").daemon()
                    .unstarted(this::acceptLoop);
            this.deadlines = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().daemon().name("workerpool-descriptor-handoff-deadline").factory());
            this.deadlines.setRemoveOnCancelPolicy(true);
        }

        /**
         * As {@link #start(Path, Function)}, but the descriptors the lookup returns are handed over: the server
         * closes them once sent (or refused). A lookup that reads a descriptor number under its own lock returns
         * a duplicate made under that lock, so that a concurrent close of the original cannot make the server
         * send whatever file the kernel gives that number next.
         */
        public static Server startHandingOver(Path socketPath, Function<byte[], int[]> descriptorsForSecret)
                throws IOException {
            return start(socketPath, descriptorsForSecret, Posix.getuid(), true);
        }

        /**
         * Listens at {@code socketPath} and starts answering. For each worker, {@code descriptorsForSecret}
         * gets the secret it presented and returns the descriptors to send; null refuses; none answers "nothing
         * to hand over" to a peer whose secret is known. It runs on
         * the exchanges' threads, maybe several at once; an exception it throws refuses too.
         *
         * @throws PosixException when the socket cannot be created, e.g. the file already exists
         * @throws IOException when its permissions cannot be set
         */
        public static Server start(Path socketPath, Function<byte[], int[]> descriptorsForSecret) throws IOException {
            return start(socketPath, descriptorsForSecret, Posix.getuid());
        }

        /** As {@link #start(Path, Function)}, accepting peers of {@code allowedUid}: tests use another uid. */
        static Server start(Path socketPath, Function<byte[], int[]> descriptorsForSecret, int allowedUid)
                throws IOException {
            return start(socketPath, descriptorsForSecret, allowedUid, false);
        }

        private static Server start(Path socketPath, Function<byte[], int[]> descriptorsForSecret, int allowedUid,
                                    boolean handsOver) throws IOException {
            int fd = Sockets.bindUnix(socketPath);
            try {
                // before listen(): until then nobody can connect, so there is no window with looser permissions
                Files.setPosixFilePermissions(socketPath,
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                Sockets.listen(fd, BACKLOG, "cannot listen on unix socket " + socketPath);
            } catch (IOException | RuntimeException e) {
                Sockets.closeAfterFailure(fd, e);
                deleteQuietly(socketPath, e);
                throw e;
            }
            Server server = new Server(socketPath, fd, descriptorsForSecret, allowedUid, handsOver);
            server.acceptor.start();
            return server;
        }

        /** The socket's path, for the worker's {@link DescriptorHandoff#receive}. */
        public Path path() {
            return path;
        }

        /**
         * Stops answering, waits for the server's threads to end (an exchange under way is cut short and has
         * closed its connection when this returns), closes the socket and removes its file. Idempotent.
         */
        @Override
        public void close() {
            connectionLock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                // wakes the thread from accept (EINVAL) or from reading a slow worker's request
                shutdownQuietly(listeningFd);
                active.forEach(Server::shutdownQuietly);
            } finally {
                connectionLock.unlock();
            }
            if (Thread.currentThread() != acceptor) {
                try {
                    acceptor.join(EXCHANGE_TIMEOUT);
                    // and the exchanges cut short above: each gives its slot back once it has closed its
                    // connection, so none is left open (or running) when close returns
                    if (slots.tryAcquire(MAX_EXCHANGES, EXCHANGE_TIMEOUT.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        slots.release(MAX_EXCHANGES);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deadlines.shutdownNow();
            closeQuietly(listeningFd);
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOGGER.warn("could not remove the descriptor handoff socket {}: {}", path, e.toString());
            }
        }

        @Override
        public String toString() {
            return "DescriptorHandoff.Server[" + path + (closed ? ", closed]" : "]");
        }

        private void acceptLoop() {
            while (!closed) {
                try {
                    slots.acquire(); // at most MAX_EXCHANGES at once; the others wait in the backlog
                } catch (InterruptedException e) {
                    return;
                }
                int connection;
                try {
                    connection = Sockets.accept(listeningFd);
                } catch (PosixException e) {
                    slots.release();
                    if (closed || !keepAccepting(e)) {
                        return;
                    }
                    continue;
                }
                if (!register(connection)) {
                    closeQuietly(connection);
                    slots.release();
                    return;
                }
                java.util.concurrent.ScheduledFuture<?> deadline;
                try {
                    // The deadline of the whole exchange: a shutdown wakes a read or write blocked on it.
                    deadline = deadlines.schedule(() -> shutdownIfActive(connection), EXCHANGE_TIMEOUT.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    unregisterAndClose(connection); // closing
                    slots.release();
                    return;
                }
                Thread.ofPlatform().daemon().name("workerpool-descriptor-handoff-exchange").start(() -> {
                    try {
                        answer(connection);
                    } catch (PosixException | RuntimeException e) {
                        if (!closed) {
                            LOGGER.warn("descriptor handoff at {}: exchange with a worker failed: {}", path,
                                    e.toString());
                        }
                    } finally {
                        deadline.cancel(false);
                        unregisterAndClose(connection);
                        slots.release();
                    }
                });
            }
        }

        /** At the deadline: cuts the exchange short, if it is still the one that had that number. */
        private void shutdownIfActive(int connection) {
            connectionLock.lock();
            try {
                if (active.contains(connection)) {
                    LOGGER.warn("descriptor handoff at {}: an exchange took longer than {} ms: cut off", path,
                            EXCHANGE_TIMEOUT.toMillis());
                    shutdownQuietly(connection);
                }
            } finally {
                connectionLock.unlock();
            }
        }

        /** After a failed accept: false to end the thread, true (maybe after a pause) to go on. */
        private boolean keepAccepting(PosixException e) {
            switch (e.errno()) {
                case Errno.EMFILE, Errno.ENFILE, Errno.ENOBUFS, Errno.ENOMEM -> {
                    LOGGER.warn("descriptor handoff at {}: {}; retrying in 100 ms", path, e.getMessage());
                    try {
                        Thread.sleep(100); // out of descriptors or memory: don't spin
                    } catch (InterruptedException interrupted) {
                        return false;
                    }
                    return true;
                }
                case Errno.EBADF, Errno.EINVAL, Errno.ENOTSOCK -> {
                    LOGGER.error("descriptor handoff at {} stopped: {}", path, e.getMessage());
                    return false;
                }
                default -> {
                    return true; // e.g. ECONNABORTED: that worker is gone, the next one may come
                }
            }
        }

        private void answer(int connection) throws PosixException {
            Sockets.setTimeouts(connection, EXCHANGE_TIMEOUT);
            Sockets.PeerCredentials peer = Sockets.peerCredentials(connection);
            if (peer.uid() != allowedUid) {
                LOGGER.warn("descriptor handoff at {}: refused pid {}: it runs as uid {}, not uid {}", path,
                        peer.pid(), peer.uid(), allowedUid);
                return;
            }
            byte[] secret = readSecret(connection, peer);
            if (secret == null) {
                return;
            }
            int[] descriptors;
            try {
                descriptors = descriptorsForSecret.apply(secret);
            } catch (RuntimeException e) {
                LOGGER.error("descriptor handoff at {}: refused pid {}: looking up its secret failed", path,
                        peer.pid(), e);
                return;
            }
            try {
                if (descriptors == null) {
                    LOGGER.warn("descriptor handoff at {}: refused pid {}: unknown secret", path, peer.pid());
                    return;
                }
                if (descriptors.length == 0) {
                    LOGGER.debug("descriptor handoff at {}: nothing to hand over to pid {}", path, peer.pid());
                    ScmRights.sendNone(connection);
                    return;
                }
                if (descriptors.length > MAX_DESCRIPTORS) {
                    LOGGER.error("descriptor handoff at {}: refused pid {}: {} descriptors to send, more than the "
                            + "limit of {}", path, peer.pid(), descriptors.length, MAX_DESCRIPTORS);
                    return;
                }
                ScmRights.send(connection, descriptors);
            } finally {
                if (handsOver && descriptors != null) {
                    for (int descriptor : descriptors) {
                        closeQuietly(descriptor);
                    }
                }
            }
        }

        /** The secret the worker sent, or null (logged) when its request is malformed. */
        private byte[] readSecret(int connection, Sockets.PeerCredentials peer) throws PosixException {
            byte[] header = new byte[4];
            if (Sockets.receiveFully(connection, header) < header.length) {
                LOGGER.warn("descriptor handoff at {}: pid {} closed before sending its secret", path, peer.pid());
                return null;
            }
            int length = ByteBuffer.wrap(header).getInt();
            if (length < 0 || length > MAX_SECRET_BYTES) {
                LOGGER.warn("descriptor handoff at {}: refused pid {}: secret length {} is outside 0..{}", path,
                        peer.pid(), length, MAX_SECRET_BYTES);
                return null;
            }
            byte[] secret = new byte[length];
            if (Sockets.receiveFully(connection, secret) < length) {
                LOGGER.warn("descriptor handoff at {}: pid {} closed in the middle of its secret", path, peer.pid());
                return null;
            }
            return secret;
        }

        private boolean register(int connection) {
            connectionLock.lock();
            try {
                if (closed) {
                    return false;
                }
                active.add(connection);
                return true;
            } finally {
                connectionLock.unlock();
            }
        }

        /** Under the lock, so that {@link #close()} never shuts down a number the kernel has reused. */
        private void unregisterAndClose(int connection) {
            connectionLock.lock();
            try {
                active.remove(connection);
                closeQuietly(connection);
            } finally {
                connectionLock.unlock();
            }
        }

        private static void shutdownQuietly(int fd) {
            try {
                Sockets.shutdown(fd);
            } catch (PosixException e) {
                // ENOTCONN and the like: it is going away anyway
            }
        }

        private static void closeQuietly(int fd) {
            try {
                Posix.close(fd);
            } catch (PosixException e) {
                LOGGER.debug("closing descriptor {} failed: {}", fd, e.getMessage());
            }
        }

        private static void deleteQuietly(Path path, Throwable failure) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
