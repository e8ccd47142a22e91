package io.workerpool.internal.master;

import io.workerpool.PoolStartException;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.core.PoolEvent;
import io.workerpool.internal.posix.DescriptorHandoff;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.workerpool.internal.ops.ManagementSocket;
import io.workerpool.internal.ops.MetricsServer;
import io.workerpool.internal.ops.PidFile;
import io.workerpool.internal.ops.SocketActivation;
import io.workerpool.internal.ops.SystemdNotifier;
import io.workerpool.internal.ops.UnixSockets;
import io.workerpool.internal.channel.WorkerChannelServer;

/**
 * The master's resources, taken in order (pidfile, output files, control socket) and given back in reverse,
 * also when a later step fails, so that a failed start leaves nothing behind.
 */
final class MasterStartup {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final PoolConfig config;
    private InetSocketAddress listenAddress;
    private int listenFd = -1;
    private final Deque<AutoCloseable> taken = new ArrayDeque<>();
    private WorkerChannelServer channelServer;
    private DescriptorHandoff.Server handoff;
    private volatile MetricsServer metricsServer;
    /** Said once every resource is taken: a start that fails later must not claim to be listening. */
    private final java.util.List<Runnable> announcements = new java.util.ArrayList<>();

    MasterStartup(PoolConfig config) {
        this.config = config;
    }

    void start(Consumer<PoolEvent> events) {
        // issue 15 (upgrade) hook: a master started by an upgrade takes the pidfile and socket from the old one
        successor = UpgradeSuccessor.fromEnvironment(System.getenv());
        if (successor != null) {
            taken.push(successor);
            taken.push(this::closeReacquiredPidFile);
        }
        if (config.pidFile() != null && successor != null) {
            successor.deferPidFile(config.pidFile());
        } else if (config.pidFile() != null) {
            pidFile = PidFile.acquire(config.pidFile(), ProcessHandle.current().pid());
            taken.push(pidFile);
            taken.push(this::closeReacquiredPidFile);
        }
        requireAppendable(config.stdout(), "stdout");
        requireAppendable(config.stderr(), "stderr");
        // systemd socket activation wins over listen(...), and works without it: the unit asked for that socket
        // (docs/systemd.md)
        int activated = SocketActivation.passedSockets(System.getenv(), ProcessHandle.current().pid());
        boolean sharing = successor != null ? adoptHandedOverSocket() >= 0
                : activated > 0 ? adoptActivatedSocket(activated) >= 0
                : config.listen() != null ? listen() >= 0 : config.listenPath() != null && listenUnix() >= 0;
        try {
            channelServer = WorkerChannelServer.open(events);
        } catch (IOException e) {
            throw new PoolStartException("cannot open the master's worker-channel socket under "
                    + System.getProperty("java.io.tmpdir") + " (" + e.getMessage() + "); check that the temp"
                    + " directory is writable, or set -Djava.io.tmpdir to one that is", e);
        }
        taken.push(channelServer);
        if (sharing) {
            WorkerChannelServer server = channelServer;
            try {
                // issue 12: the server closes what the lookup returns, a copy made under the lookup's lock.
                // A worker of ours that asks once a stop closed the socket hears "nothing", not "refused".
                handoff = DescriptorHandoff.Server.startHandingOver(server.directory().resolve("handoff.sock"),
                        secret -> server.isLiveSecret(secret) ? listenFdOrNone() : null);
            } catch (IOException e) {
                throw new PoolStartException("cannot open the socket that hands the listening socket to workers: "
                        + e.getMessage(), e);
            }
            taken.push(handoff);
        }
        if (config.metrics() != null && successor == null) {
            metricsServer = MetricsServer.start(config, channelServer.telemetry()); // issue 16: JVM samples, meters
            taken.push(this::closeMetrics); // issue 15: closed once, at a handover or here
            channelServer.countLogRecords(metricsServer.logRecordCounter());
        } else if (config.metrics() != null) {
            taken.push(this::closeMetrics); // issue 15: bound at the takeover, once the old master let it go
        }
        announcements.forEach(Runnable::run);
        announcements.clear();
    }

    /**
     * Binds the shared listening socket once, before any worker starts. The master keeps the raw descriptor:
     * workers fetch a copy of it over a Unix socket (SCM_RIGHTS), so every worker accepts from the same
     * kernel queue, and connections queued there survive any one worker's death.
     */
    private int listen() {
        int fd;
        try {
            fd = Posix.openListeningSocket(config.listen(), config.listenBacklog());
        } catch (PosixException e) {
            throw new PoolStartException(e.getMessage());
        } catch (UnsupportedOperationException e) {
            throw new PoolStartException("cannot share a listening socket here: " + e.getMessage());
        }
        listenFd = fd;
        taken.push(this::closeListenSocket);
        try {
            listenAddress = Posix.localAddress(fd);
        } catch (PosixException e) {
            listenAddress = config.listen();
        }
        InetSocketAddress bound = listenAddress;
        announcements.add(() -> LOG.info("listening on {} (backlog {}), shared by all workers", format(bound),
                config.listenBacklog()));
        return fd;
    }

    /** Shares the socket systemd passed as descriptor 3 instead of binding one; the master closes its copy. */
    /** As {@link #listen()}, on a Unix domain socket path; the file goes when the pool stops. */
    private int listenUnix() {
        Path path = config.listenPath();
        try {
            UnixSockets.removeStale(path, "unix socket to listen on"); // left by a master that died
            listenFd = Posix.openListeningUnixSocket(path, config.listenBacklog());
        } catch (PosixException e) {
            throw new PoolStartException("cannot listen on unix socket " + path + ": " + e.getMessage());
        } catch (IOException e) {
            throw new PoolStartException("cannot listen on unix socket " + path + ": " + e);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new PoolStartException("cannot listen on unix socket " + path + ": " + e.getMessage());
        }
        taken.push(() -> Files.deleteIfExists(path));
        taken.push(this::closeListenSocket);
        announcements.add(() -> LOG.info("listening on unix socket {} (backlog {}), shared by all workers", path,
                config.listenBacklog()));
        return listenFd;
    }

    private int adoptActivatedSocket(int passed) {
        int fd = SocketActivation.listeningSocket(passed, System.getenv());
        listenFd = fd;
        taken.push(this::closeListenSocket);
        try {
            listenAddress = Posix.localAddress(fd);
        } catch (PosixException e) {
            listenAddress = null; // checked just before: can't happen
        }
        String where = listenAddress == null ? "address unknown" : format(listenAddress);
        announcements.add(() -> LOG.info("using the socket passed by systemd (fd {}, {}){}, shared by all workers",
                fd, where, config.listen() == null ? ""
                        : " instead of binding " + format(config.listen()) + " (listen(...))"));
        return fd;
    }

    private static String format(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** A resource the pool opened after {@link #start}: {@link #close} releases it with the others, before them. */
    void own(AutoCloseable resource) {
        if (resource instanceof SystemdNotifier systemd) {
            notifier = systemd; // issue 15 (upgrade) hook: MAINPID= for the new master
        }
        taken.push(resource);
    }

    /** Opens the management socket; its requests reach the pool's loop through {@code pool}. */
    void openManagementSocket(Pool pool) {
        try {
            // issue 15 (upgrade) hook: a new master binds a path of its own until it takes over the old one's
            Path path = successor == null ? config.controlSocket() : successor.temporaryManagementSocket(
                    config.controlSocket());
            controlSocket = ManagementSocket.open(path, pool);
            if (successor != null) {
                successor.controlSocketOpened(controlSocket);
            }
            taken.push(controlSocket);
        } catch (IOException e) {
            Path directory = config.controlSocket().getParent();
            throw new PoolStartException("cannot open the control socket " + config.controlSocket() + ": "
                    + (Files.isDirectory(directory) ? e.getMessage() + "; check that its directory " + directory
                    + " is writable" : "its directory " + directory + " does not exist; create it")
                    + ", or choose another path (controlSocket(path), --control)");
        }
    }

    /**
     * Closes the master's copy of the listening socket, once. Called when a stop begins: as the workers close
     * their copies too, new connections are refused at once instead of waiting in a queue no one will serve.
     */
    synchronized void closeListenSocket() {
        if (listenFd >= 0) {
            try {
                Posix.close(listenFd);
            } catch (PosixException e) {
                LOG.debug("closing the listening socket: {}", e.getMessage());
            }
            listenFd = -1;
        }
    }

    private int[] listenFdOrNone() {
        int[] copy = openListenFd();
        return copy == null ? new int[0] : copy;
    }

    synchronized int[] openListenFd() {
        // issue 12: a copy made under the lock, which the handoff closes once sent: the number of the original
        // may be closed (pool stopping) and reused before the handoff sends it
        try {
            return listenFd < 0 ? null : new int[] {Posix.duplicate(listenFd)};
        } catch (PosixException e) {
            LOG.warn("cannot copy the listening socket for a worker: {}", e.getMessage());
            return null;
        }
    }

    // ---- issue 15 (upgrade) hooks: MasterUpgrade (old master), UpgradeSuccessor (new master) ----
    private UpgradeSuccessor successor;
    private PidFile pidFile;
    private volatile PidFile reacquiredPidFile;
    private volatile ManagementSocket controlSocket;
    private volatile SystemdNotifier notifier;

    /** The upgrade this master was started by, or null. */
    UpgradeSuccessor successor() {
        return successor;
    }

    /** True when there is a listening socket to hand over. */
    synchronized boolean sharesListenSocket() {
        return listenFd >= 0;
    }

    /** A copy of the listening socket for the new master, or null once it is closed; the handoff closes it. */
    int[] listenFdCopy() {
        return openListenFd();
    }

    /** The old master's handover: the pidfile's lock is released, the control socket's path left to the new one. */
    void handOverOwnership() {
        if (pidFile != null) {
            pidFile.handOver();
        }
        ManagementSocket socket = controlSocket;
        if (socket != null) {
            socket.keepFileAtClose(true);
        }
        closeMetrics(); // the new master binds the same address right after (a gap of milliseconds)
    }

    private final java.util.concurrent.atomic.AtomicBoolean metricsClosed =
            new java.util.concurrent.atomic.AtomicBoolean();

    private void closeMetrics() {
        MetricsServer server = metricsServer;
        if (server != null && metricsClosed.compareAndSet(false, true)) {
            server.close();
        }
    }

    /**
     * The new master's metrics server, bound at the takeover (the old master closed its own just before);
     * null when it cannot be bound, which is logged: the pool goes on without it.
     */
    MetricsServer startDeferredMetrics() {
        if (config.metrics() == null || metricsServer != null) {
            return metricsServer;
        }
        try {
            MetricsServer server = MetricsServer.start(config, channelServer.telemetry());
            channelServer.countLogRecords(server.logRecordCounter());
            metricsServer = server;
            return server;
        } catch (RuntimeException e) {
            LOG.error("upgrade: cannot take over /healthz, /readyz and /metrics: {}", e.getMessage());
            return null;
        }
    }

    /** The new master gave up after the handover: this one holds the pidfile and its path again. */
    void takeOwnershipBack() {
        if (pidFile != null) {
            try {
                reacquiredPidFile = PidFile.acquire(config.pidFile(), ProcessHandle.current().pid(),
                        ProcessHandle.current().pid());
            } catch (RuntimeException e) {
                LOG.error("upgrade: cannot take the pidfile back: {}", e.getMessage());
            }
        }
        ManagementSocket socket = controlSocket;
        if (socket != null) {
            socket.keepFileAtClose(false);
        }
    }

    private void closeReacquiredPidFile() {
        PidFile taken = reacquiredPidFile;
        if (taken != null) {
            taken.close();
        }
    }

    void notifyMainPid(long pid) {
        SystemdNotifier systemd = notifier;
        if (systemd != null) {
            systemd.mainPid(pid);
        }
    }

    private int adoptHandedOverSocket() {
        int fd = successor.receiveListeningSocket();
        listenFd = fd;
        taken.push(this::closeListenSocket);
        String where;
        try {
            listenAddress = Posix.localAddress(fd);
            where = format(listenAddress);
        } catch (PosixException e) {
            listenAddress = config.listen();
            where = config.listenPath() != null ? "unix socket " + config.listenPath() : "address unknown";
        }
        String bound = where;
        long from = successor.oldPid();
        announcements.add(() -> LOG.info("listening on {}: the socket of master pid {}, taken over by this upgrade,"
                + " shared by all workers", bound, from));
        return fd;
    }

    /** The bound address (the real port when port 0 was asked for), or null without listen(). */
    InetSocketAddress listenAddress() {
        return listenAddress;
    }

    Path handoffSocket() {
        return handoff == null ? null : handoff.path();
    }

    /** The /healthz, /readyz, /metrics server, or null without metrics(address). */
    MetricsServer metricsServer() {
        return metricsServer;
    }

    WorkerChannelServer channelServer() {
        return channelServer;
    }

    /** Releases everything in reverse order; failures are added to {@code failure} when there is one. */
    void close(Throwable failure) {
        while (!taken.isEmpty()) {
            try {
                taken.pop().close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    private static void requireAppendable(Path file, String what) {
        if (file == null) {
            return;
        }
        try {
            Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE).close();
        } catch (NoSuchFileException e) {
            throw new PoolStartException("cannot open the workers' " + what + " file " + file + ": its directory "
                    + file.getParent() + " does not exist; create it or choose another " + what + " file");
        } catch (AccessDeniedException e) {
            throw new PoolStartException("cannot open the workers' " + what + " file " + file
                    + ": permission denied; choose a writable file");
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new PoolStartException("cannot open the workers' " + what + " file " + file + ": it is a"
                        + " directory; name a file, e.g. " + file.resolve("workers." + what));
            }
            throw new PoolStartException("cannot open the workers' " + what + " file " + file + ": " + e, e);
        }
    }
}
