package io.workerpool.internal.channel;

import io.workerpool.internal.core.Role;
import io.workerpool.internal.posix.ChannelPeers;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.ops.AcceptBackoff;
import io.workerpool.internal.core.PoolEvent;

/**
 * The master's Unix domain socket that workers connect to, in a fresh directory only the master's user can
 * enter. A worker's first frame must be a {@link Message.Hello} with the one-time secret the master put in
 * that worker's environment, its worker id and its pid, within {@link #HELLO_TIMEOUT}; anything else is
 * refused and logged, and a worker that tries to pass for another is killed (see {@link #blame}). A JVM
 * connects once. Each accepted worker gets a reader thread that
 * re-emits its log records, answers its level queries, and passes every other message to the pool's queue.
 */
public final class WorkerChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private static final String DIRECTORY_PREFIX = "workerpool-";
    static final String SOCKET_NAME = "channel.sock";
    /**
     * The socket's name in the worker-socket directories of masters from before the worker channel had a name of
     * its own (it shared "control" with the management socket): the sweep still removes theirs when they are killed.
     */
    static final String OLD_SOCKET_NAME = "control.sock";
    /** How long a new connection may take to send its hello; a worker sends it right after connecting. */
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    /** How long a hello may wait for the master to learn the pid of the JVM it just spawned. */
    private static final Duration PID_WAIT = Duration.ofSeconds(10);
    /**
     * Connections that have not said hello yet, at most: only the master's user can reach the socket, but a
     * runaway process of that user must not grow the master's descriptors without bound. Past it, a new
     * connection is closed at once.
     */
    static final int MAX_UNIDENTIFIED_CONNECTIONS = 64;
    /** How often the watchdog looks for writes to workers stuck past {@link WorkerConnection#SEND_DEADLINE}. */
    private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(250);

    /** A worker JVM the master started, from its spawn to its exit, found by the one-time secret it was given. */
    private static final class Admission {
        final int workerId;
        final long generation;
        /** Known once the spawn returned; a hello must claim this pid. -1 when the JVM is gone. */
        final CompletableFuture<Long> pid = new CompletableFuture<>();
        /** Set by the hello that is let in: one worker channel per JVM. */
        final AtomicBoolean connected = new AtomicBoolean();

        Admission(int workerId, long generation) {
            this.workerId = workerId;
            this.generation = generation;
        }

        long knownPid() {
            return pid.getNow(-1L);
        }
    }

    private final Path directory;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final Consumer<PoolEvent> events;
    private final LogReplay logReplay = new LogReplay();
    /**
     * The worker JVMs alive now, by secret, from spawn to exit: each may connect once, and may fetch the shared
     * socket. Keyed by secret, not by worker id: two JVMs of one id (a worker and its successor) may be starting
     * at once, and neither may take the other's place.
     */
    private final Map<String, Admission> admissions = new ConcurrentHashMap<>();
    private final Thread acceptThread;
    /** One per accepted connection, until its channel has been read to the end (or failed). */
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    /** Connections of workers that said a valid hello, until their reader ends: the watchdog's list. */
    private final Set<WorkerConnection> connections = ConcurrentHashMap.newKeySet();
    /** By JVM generation, while its reader runs: completed once its last records were replayed. */
    private final Map<Long, CompletableFuture<Void>> readerEnds = new ConcurrentHashMap<>();
    /** Accepted connections that have not been identified yet (see {@link #MAX_UNIDENTIFIED_CONNECTIONS}). */
    private final java.util.concurrent.atomic.AtomicInteger unidentified =
            new java.util.concurrent.atomic.AtomicInteger();
    private final AcceptBackoff acceptBackoff;
    /** Counts replayed log records for the metrics, or null. */
    private volatile Runnable logRecordCounter;
    /** issue 16: the workers' JVM samples and meters, fed by the reader threads. */
    private final io.workerpool.internal.metrics.WorkerTelemetry telemetry =
            new io.workerpool.internal.metrics.WorkerTelemetry();

    private WorkerChannelServer(Path directory, ServerSocketChannel server, Consumer<PoolEvent> events) {
        this.directory = directory;
        this.socketPath = directory.resolve(SOCKET_NAME);
        this.server = server;
        this.events = events;
        this.acceptThread = Thread.ofPlatform().daemon().name("workerpool-channel-accept").unstarted(this::acceptLoop);
        this.acceptBackoff = new AcceptBackoff(LOG, "worker socket " + socketPath);
    }

    public static WorkerChannelServer open(Consumer<PoolEvent> events) throws IOException {
        Path directory = Files.createTempDirectory(DIRECTORY_PREFIX,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(directory.resolve(SOCKET_NAME)));
        } catch (IOException e) {
            server.close();
            Files.deleteIfExists(directory);
            throw e;
        }
        // After the bind, and never this master's own directory: a sweep that read the kernel's socket table
        // before the bind would take the own socket for a dead one and probe it.
        StaleChannelDirectories.sweepInBackground(Path.of(System.getProperty("java.io.tmpdir")), DIRECTORY_PREFIX,
                List.of(SOCKET_NAME, OLD_SOCKET_NAME), directory);
        WorkerChannelServer channelServer = new WorkerChannelServer(directory, server, events);
        channelServer.acceptThread.start();
        Thread.ofPlatform().daemon().name("workerpool-channel-watchdog").start(channelServer::watchSends);
        return channelServer;
    }

    /**
     * Completes once the channel's reader of that JVM has replayed its last records and ended (at once when it
     * has none): the master says a JVM exited only after what it logged before it died.
     */
    public CompletableFuture<Void> readerEnded(long generation) {
        CompletableFuture<Void> end = readerEnds.get(generation);
        return end == null ? CompletableFuture.completedFuture(null) : end.copy();
    }

    /** Called once per log record replayed, from the reader threads (concurrently): for the metrics. */
    /** issue 16: the workers' latest JVM samples (status, recycling, /metrics) and their meters. */
    public io.workerpool.internal.metrics.WorkerTelemetry telemetry() {
        return telemetry;
    }

    public void countLogRecords(Runnable counter) {
        this.logRecordCounter = counter;
    }

    public Path socketPath() {
        return socketPath;
    }

    public Path directory() {
        return directory;
    }

    /** Lets the worker JVM of this generation connect once, with this secret. */
    public void admit(int workerId, long generation, String secret) {
        admissions.put(secret, new Admission(workerId, generation));
    }

    /** The JVM started with this secret has this pid: its hello must say so. */
    public void spawned(String secret, long pid) {
        Admission admission = admissions.get(secret);
        if (admission != null) {
            admission.pid.complete(pid);
        }
    }

    /**
     * Forgets the worker JVM of this generation (it exited, or never started).
     *
     * @return true when it never connected
     */
    public boolean revoke(int workerId, long generation) {
        boolean[] neverConnected = {false};
        admissions.values().removeIf(a -> {
            if (a.generation != generation) {
                return false;
            }
            a.pid.complete(-1L);
            // Takes the connection slot: a hello racing with this exit is refused, so the answer is exact.
            neverConnected[0] = a.connected.compareAndSet(false, true);
            return true;
        });
        return neverConnected[0];
    }

    /** True when a worker JVM alive now was given this secret. */
    public boolean isLiveSecret(byte[] secret) {
        return admissions.containsKey(new String(secret, StandardCharsets.UTF_8));
    }

    /**
     * Every {@link #WATCHDOG_PERIOD}: a worker whose channel has had a write stuck for longer than
     * {@link WorkerConnection#SEND_DEADLINE} does not read what the master sends; it is reported (and killed
     * by the loop), and its channel is closed, which ends the stuck write.
     */
    private void watchSends() {
        long deadline = WorkerConnection.SEND_DEADLINE.toNanos();
        while (server.isOpen()) {
            try {
                Thread.sleep(WATCHDOG_PERIOD);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (WorkerConnection connection : connections) {
                long stuck = connection.stuckFor(now);
                if (stuck > deadline) {
                    connection.report("has not read its worker channel for " + stuck / 1_000_000 + " ms (a"
                            + " message to it stayed unsent past the " + WorkerConnection.SEND_DEADLINE.toMillis()
                            + " ms send deadline)");
                    connection.close();
                }
            }
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                acceptBackoff.succeeded();
                if (unidentified.incrementAndGet() > MAX_UNIDENTIFIED_CONNECTIONS) {
                    unidentified.decrementAndGet();
                    LOG.warn("refused a worker-channel connection: {} connections already wait to say hello (at most {})",
                            MAX_UNIDENTIFIED_CONNECTIONS, MAX_UNIDENTIFIED_CONNECTIONS);
                    channel.close();
                    continue;
                }
                // Virtual: replay renames the reading thread per record (the worker thread's name shows in the
                // master's log), a plain field write for a virtual thread but two system calls for a platform one.
                Thread reader = Thread.ofVirtual().name("workerpool-channel-reader").unstarted(() -> {
                    try {
                        serve(channel);
                    } finally {
                        readers.remove(Thread.currentThread());
                    }
                });
                readers.add(reader);
                reader.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                acceptBackoff.failed(e); // out of descriptors (EMFILE): wait a little instead of spinning
            }
        }
    }

    private void serve(SocketChannel socket) {
        FrameChannel channel = new FrameChannel(socket);
        // A connection that never says hello would hold a reader and a descriptor for good: it gets HELLO_TIMEOUT.
        AtomicBoolean decided = new AtomicBoolean();
        Thread helloTimer = Thread.ofVirtual().name("workerpool-channel-hello-timer").start(() -> {
            try {
                Thread.sleep(HELLO_TIMEOUT);
                if (decided.compareAndSet(false, true)) {
                    closeQuietly(channel);
                }
            } catch (InterruptedException e) {
                // the hello came in time
            }
        });
        WorkerConnection connection;
        try {
            connection = admit(socket, channel);
        } catch (IOException e) {
            if (e instanceof EOFException && channel.bytesReceived() == 0) {
                // Opened and closed without a byte: it can neither pass for a worker nor harm one. A master in
                // another network namespace probing for stale socket directories does this, or a tool testing
                // the path (masters of this namespace don't connect: StaleChannelDirectories).
                LOG.debug("a worker-channel connection closed without sending anything (a probe of the socket, not a"
                        + " worker: a worker's first bytes are its hello); ignored");
                closeQuietly(channel);
                return;
            }
            boolean timedOut = !decided.compareAndSet(false, true);
            LOG.warn("refused a worker-channel connection: {}", timedOut
                    ? "no hello within " + HELLO_TIMEOUT.toMillis() + " ms" : e.getMessage());
            closeQuietly(channel);
            return;
        } finally {
            helloTimer.interrupt();
            unidentified.decrementAndGet();
        }
        if (connection == null || !decided.compareAndSet(false, true)) {
            closeQuietly(channel);
            return;
        }
        Thread.currentThread().setName("workerpool-channel-reader-" + connection.workerId());
        CompletableFuture<Void> readerEnd = new CompletableFuture<>();
        readerEnds.put(connection.generation(), readerEnd);
        try {
            connections.add(connection);
            events.accept(new PoolEvent.WorkerConnected(connection.workerId(), connection.generation(), connection));
            readToTheEnd(connection);
        } finally {
            readerEnds.remove(connection.generation());
            readerEnd.complete(null);
        }
    }

    /** Replays the worker's frames until its channel ends, then says so to the loop. */
    private void readToTheEnd(WorkerConnection connection) {
        String protocolError = null;
        try {
            readUntilClosed(connection);
        } catch (ProtocolException e) {
            protocolError = e.getMessage();
        } catch (EOFException | ClosedChannelException e) {
            // the worker exited or the master closed the channel: the exit event says the rest
        } catch (IOException e) {
            protocolError = null;
        } catch (RuntimeException e) {
            // A frame that decoded but could not be handled (say, a record the logging backend chokes on):
            // the channel is out of step now, and the worker must not linger unheard.
            protocolError = "the master could not handle its message: " + e;
        } finally {
            connections.remove(connection);
            connection.close();
            telemetry.disconnected(connection.generation()); // issue 16 hook: its counters fold into the totals
        }
        events.accept(new PoolEvent.WorkerDisconnected(connection.workerId(), connection.generation(), protocolError));
    }

    /**
     * Waits until every channel has been read to its end, for at most {@code timeout}: called once every worker
     * JVM has exited, so that the log records they sent last, still in the channels' socket buffers, are
     * replayed before the master goes on to its shutdown callbacks and exits. The channels still open after
     * the timeout are named in a warning, as their remaining records are lost.
     */
    public void awaitReaders(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Thread reader : List.copyOf(readers)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !reader.join(Duration.ofNanos(left))) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!readers.isEmpty()) {
            LOG.warn("{} worker channel(s) still being read {} ms after the last worker exited ({}): the"
                    + " log records still in them are dropped", readers.size(), timeout.toMillis(), readers);
        }
    }

    private WorkerConnection admit(SocketChannel socket, FrameChannel channel) throws IOException {
        Message first = channel.receive();
        if (!(first instanceof Message.Hello hello)) {
            throw new ProtocolException("first frame must be a hello, got " + first.getClass().getSimpleName());
        }
        long peerPid = peerPid(socket);
        Admission admission = admissions.get(hello.secret() == null ? "" : hello.secret());
        String refusal = refusal(hello, admission, peerPid);
        if (refusal != null) {
            LOG.warn("refused a worker-channel connection claiming to be worker {} (pid {}{}): {}", hello.workerId(),
                    hello.pid(), peerPid == hello.pid() || peerPid < 0 ? "" : ", sent by pid " + peerPid, refusal);
            if (admission != null && peerPid >= 0) {
                blame(hello, admission, peerPid);
            }
            return null;
        }
        Admission admitted = admission;
        WorkerConnection[] self = new WorkerConnection[1];
        WorkerConnection connection = new WorkerConnection(hello.workerId(), admission.generation, peerPid, channel,
                why -> events.accept(new PoolEvent.WorkerMisbehaved(self[0].workerId(), admitted.generation, why)));
        self[0] = connection;
        connection.send(new Message.Welcome(LogReplay.lowestEnabledLevel(Logger.ROOT_LOGGER_NAME)));
        return connection;
    }

    /**
     * The pid of the process at the other end, from the kernel (SO_PEERCRED), or -1 when it cannot be learnt:
     * then no hello is let in (a claim is no identity) and no one is blamed.
     */
    private static long peerPid(SocketChannel socket) {
        try {
            return ChannelPeers.of(socket).pid();
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("could not learn the pid of a worker-channel connection's peer from the kernel: {}", e.toString());
            return -1;
        }
    }

    /** Why this hello is refused, or null when it comes from the JVM given that secret, connecting first. */
    private static String refusal(Message.Hello hello, Admission admission, long peerPid) {
        if (admission == null) {
            return "its secret is not one this master gave to a worker JVM that is alive";
        }
        if (admission.workerId != hello.workerId()) {
            return "its secret was given to " + describe(admission.workerId);
        }
        long pid;
        try {
            pid = admission.pid.get(PID_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking its pid";
        } catch (ExecutionException | TimeoutException e) {
            return "the master does not know the pid of that worker's JVM";
        }
        if (pid < 0) {
            return describe(admission.workerId) + "'s JVM has exited";
        }
        if (peerPid < 0) {
            return "the kernel did not say which process sent it";
        }
        if (pid != hello.pid()) {
            return describe(admission.workerId) + "'s JVM has pid " + pid;
        }
        if (peerPid != hello.pid()) {
            return "it claims pid " + hello.pid() + " but was sent by pid " + peerPid;
        }
        if (!admission.connected.compareAndSet(false, true)) {
            return describe(admission.workerId) + " is connected already";
        }
        return null;
    }

    /**
     * A refused hello that presents a live secret came from one of this master's workers (or from a process that
     * can read their environments, and so could kill them anyway): the worker JVM that sent it, as the kernel
     * says (SO_PEERCRED), never the pid it claims, misbehaves and is killed. A hello with an unknown secret blames
     * no one; nor does one sent by a process that is none of this master's workers.
     */
    private void blame(Message.Hello hello, Admission presented, long peerPid) {
        for (Admission admission : admissions.values()) {
            if (admission.knownPid() == peerPid) {
                String whose = admission == presented ? "its own secret" : describe(presented.workerId) + "'s secret";
                events.accept(new PoolEvent.WorkerMisbehaved(admission.workerId, admission.generation,
                        "opened another worker-channel connection claiming to be worker " + hello.workerId() + " with "
                                + whose));
                return;
            }
        }
    }

    private static String describe(int workerId) {
        if (workerId == Role.TRAINING_ID) {
            return "the AOT cache training JVM";
        }
        return workerId < 0 ? "hot spare " + -workerId : "worker " + workerId;
    }

    private void readUntilClosed(WorkerConnection connection) throws IOException {
        FrameChannel channel = connection.channel();
        while (true) {
            Message message = channel.receive();
            connection.touch();
            switch (message) {
                case Message.Heartbeat heartbeat -> telemetry.heartbeat(connection.workerId(),
                        connection.generation(), connection.pid(), heartbeat.sample()); // issue 16 hook
                case Message.Meters meters when meters.payload() instanceof Message.Meters.Received received ->
                        telemetry.meters(connection.workerId(), connection.generation(), received.bytes()); // issue 16
                case Message.Log log -> {
                    connection.noteLogged(log.record().level(), log.record().message());
                    logReplay.replay(connection.workerId(), log.record());
                    Runnable counter = logRecordCounter;
                    if (counter != null) {
                        counter.run();
                    }
                }
                case Message.LogBatch batch -> { // perf (issue 14): a worker's records, one frame per batch
                    for (var record : batch.records()) {
                        connection.noteLogged(record.level(), record.message());
                    }
                    logReplay.replayBatch(connection.workerId(), batch.records());
                    Runnable counter = logRecordCounter;
                    if (counter != null) {
                        for (int i = batch.records().size(); i > 0; i--) {
                            counter.run();
                        }
                    }
                }
                case Message.LevelQuery query -> connection.sendReply(new Message.LevelReply(levelsOf(query)));
                // Each at most once per JVM: a worker cannot flood the loop's queue with events (a flood of
                // any other frame costs its own reader only, which stops reading its socket meanwhile).
                case Message.Started ignored -> {
                    if (!connection.noteStarted()) {
                        throw new ProtocolException("a second Started");
                    }
                    events.accept(said(connection, message));
                }
                case Message.Stopping ignored -> {
                    if (!connection.noteStopping()) {
                        throw new ProtocolException("a second Stopping");
                    }
                    events.accept(said(connection, message));
                }
                default -> throw new ProtocolException("a worker may not send " + message.getClass().getSimpleName());
            }
        }
    }

    private static PoolEvent said(WorkerConnection connection, Message message) {
        long read = System.nanoTime();
        long at = read;
        if (message instanceof Message.Started started && started.sentNanos() != Message.Started.NO_TIME
                && read - started.sentNanos() >= 0) {
            // The worker's own time, which a reader starved on a loaded machine does not shift: its uptime counts
            // from there (a healthy exit looked like a crash loop otherwise). Not after the read; the core keeps it
            // after the spawn.
            at = started.sentNanos();
        }
        return new PoolEvent.WorkerSaid(connection.workerId(), connection.generation(), message, at);
    }

    private Map<String, Integer> levelsOf(Message.LevelQuery query) {
        Map<String, Integer> levels = new java.util.HashMap<>();
        for (String name : query.loggerNames()) {
            if (name != null) {
                levels.put(name, logReplay.levelOf(name));
            }
        }
        return levels;
    }

    private static void closeQuietly(FrameChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // best effort
        }
        try {
            Files.deleteIfExists(socketPath);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.debug("could not remove worker socket directory {}: {}", directory, e.toString());
        }
    }
}
