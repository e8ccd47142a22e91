package io.workerpool.internal.master;

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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's Unix domain socket that workers connect to, in a fresh directory only the master's user can
 * enter. A worker's first frame must be a {@link Message.Hello} with the one-time secret the master put in
 * that worker's environment; anything else is refused. Each accepted worker gets a reader thread that
 * re-emits its log records, answers its level queries, and passes every other message to the pool's queue.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private record Admission(long generation, byte[] secret) {
    }

    private final Path directory;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final Consumer<PoolEvent> events;
    private final LogReplay logReplay = new LogReplay();
    private final Map<Integer, Admission> admissions = new ConcurrentHashMap<>();
    /** Secrets of the worker JVMs alive now, from spawn to exit: they may also fetch the shared socket. */
    private final Map<String, Long> liveSecrets = new ConcurrentHashMap<>();
    private final Thread acceptThread;
    /** One per accepted connection, until its channel has been read to the end (or failed). */
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    /** Counts replayed log records for the metrics, or null. */
    private volatile Runnable logRecordCounter;

    private ControlServer(Path directory, ServerSocketChannel server, Consumer<PoolEvent> events) {
        this.directory = directory;
        this.socketPath = directory.resolve("control.sock");
        this.server = server;
        this.events = events;
        this.acceptThread = Thread.ofPlatform().daemon().name("workerpool-control-accept").unstarted(this::acceptLoop);
    }

    static ControlServer open(Consumer<PoolEvent> events) throws IOException {
        Path directory = Files.createTempDirectory("workerpool-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(directory.resolve("control.sock")));
        } catch (IOException e) {
            server.close();
            Files.deleteIfExists(directory);
            throw e;
        }
        ControlServer controlServer = new ControlServer(directory, server, events);
        controlServer.acceptThread.start();
        return controlServer;
    }

    /** Called once per log record replayed, from the reader threads (concurrently): for the metrics. */
    void countLogRecords(Runnable counter) {
        this.logRecordCounter = counter;
    }

    Path socketPath() {
        return socketPath;
    }

    Path directory() {
        return directory;
    }

    /** Lets the worker JVM of this generation connect once, with this secret. */
    void admit(int workerId, long generation, String secret) {
        admissions.put(workerId, new Admission(generation, secret.getBytes(StandardCharsets.UTF_8)));
        liveSecrets.put(secret, generation);
    }

    /**
     * Forgets the worker JVM of this generation (it exited, or never started).
     *
     * @return true when it never connected: its admission was still waiting
     */
    boolean revoke(int workerId, long generation) {
        Admission pending = admissions.get(workerId);
        boolean neverConnected = pending != null && pending.generation() == generation
                && admissions.remove(workerId, pending);
        liveSecrets.values().removeIf(g -> g == generation);
        return neverConnected;
    }

    /** True when a worker JVM alive now was given this secret. */
    boolean isLiveSecret(byte[] secret) {
        return liveSecrets.containsKey(new String(secret, StandardCharsets.UTF_8));
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                // Virtual: replay renames the reading thread per record (the worker thread's name shows in the
                // master's log), a plain field write for a virtual thread but two system calls for a platform one.
                Thread reader = Thread.ofVirtual().name("workerpool-control-reader").unstarted(() -> {
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
                LOG.warn("control socket {}: accept failed: {}", socketPath, e.toString());
            }
        }
    }

    private void serve(SocketChannel socket) {
        FrameChannel channel = new FrameChannel(socket);
        ControlConnection connection;
        try {
            connection = admit(channel);
        } catch (IOException e) {
            LOG.warn("refused a control connection: {}", e.getMessage());
            closeQuietly(channel);
            return;
        }
        if (connection == null) {
            closeQuietly(channel);
            return;
        }
        Thread.currentThread().setName("workerpool-control-reader-" + connection.workerId());
        events.accept(new PoolEvent.WorkerConnected(connection.workerId(), connection.generation(), connection));
        String protocolError = null;
        try {
            readUntilClosed(connection);
        } catch (ProtocolException e) {
            protocolError = e.getMessage();
        } catch (EOFException | ClosedChannelException e) {
            // the worker exited or the master closed the channel: the exit event says the rest
        } catch (IOException e) {
            protocolError = null;
        } finally {
            connection.close();
        }
        events.accept(new PoolEvent.WorkerDisconnected(connection.workerId(), connection.generation(), protocolError));
    }

    /**
     * Waits until every channel has been read to its end, for at most {@code timeout}: called once every worker
     * JVM has exited, so that the log records they sent last, still in the channels' socket buffers, are
     * replayed before the master goes on to its shutdown callbacks and exits. The channels still open after
     * the timeout are named in a warning, as their remaining records are lost.
     */
    void awaitReaders(Duration timeout) {
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
            LOG.warn("{} worker control channel(s) still being read {} ms after the last worker exited ({}): the"
                    + " log records still in them are dropped", readers.size(), timeout.toMillis(), readers);
        }
    }

    private ControlConnection admit(FrameChannel channel) throws IOException {
        Message first = channel.receive();
        if (!(first instanceof Message.Hello hello)) {
            throw new ProtocolException("first frame must be a hello, got " + first.getClass().getSimpleName());
        }
        Admission admission = admissions.get(hello.workerId());
        byte[] presented = hello.secret() == null ? new byte[0] : hello.secret().getBytes(StandardCharsets.UTF_8);
        if (admission == null || !MessageDigest.isEqual(admission.secret(), presented)
                || !admissions.remove(hello.workerId(), admission)) {
            LOG.warn("refused a control connection from pid {} claiming to be worker {}: no such worker is starting"
                    + " or its secret is wrong", hello.pid(), hello.workerId());
            return null;
        }
        ControlConnection connection = new ControlConnection(hello.workerId(), admission.generation(), hello.pid(),
                channel);
        connection.send(new Message.Welcome(LogReplay.lowestEnabledLevel(Logger.ROOT_LOGGER_NAME)));
        return connection;
    }

    private void readUntilClosed(ControlConnection connection) throws IOException {
        FrameChannel channel = connection.channel();
        while (true) {
            Message message = channel.receive();
            connection.touch();
            switch (message) {
                case Message.Heartbeat ignored -> { }
                case Message.Log log -> {
                    connection.noteLogged(log.record().level(), log.record().message());
                    logReplay.replay(connection.workerId(), log.record());
                    Runnable counter = logRecordCounter;
                    if (counter != null) {
                        counter.run();
                    }
                }
                case Message.LevelQuery query -> connection.send(new Message.LevelReply(levelsOf(query)));
                case Message.Started ignored -> {
                    connection.noteStarted();
                    events.accept(said(connection, message));
                }
                case Message.Stopping ignored -> events.accept(said(connection, message));
                default -> throw new ProtocolException("a worker may not send " + message.getClass().getSimpleName());
            }
        }
    }

    private static PoolEvent said(ControlConnection connection, Message message) {
        return new PoolEvent.WorkerSaid(connection.workerId(), connection.generation(), message);
    }

    private static Map<String, Integer> levelsOf(Message.LevelQuery query) {
        Map<String, Integer> levels = new java.util.HashMap<>();
        for (String name : query.loggerNames()) {
            if (name != null) {
                levels.put(name, LogReplay.lowestEnabledLevel(name));
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
            LOG.debug("could not remove control socket directory {}: {}", directory, e.toString());
        }
    }
}
