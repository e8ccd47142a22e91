package io.workerpool.internal.master;

import io.workerpool.PoolStartException;
import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.ops.ManagementSocket;
import io.workerpool.internal.ops.PidFile;
import io.workerpool.internal.posix.DescriptorHandoff;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new master's side of an upgrade (issue 15; the old master's side is {@link MasterUpgrade}). A master
 * started by {@link MasterUpgrade} finds the upgrade's directory and secret in its environment; it then
 * <ul>
 * <li>fetches the listening socket from the old master (SCM_RIGHTS, as workers do) instead of binding one,</li>
 * <li>leaves the pidfile to the old master and opens its management socket at a temporary path,</li>
 * <li>once its pool is ready, says so ({@code ready}), waits for the old master to release the pidfile
 * ({@code release}), takes the pidfile, renames its management socket over the old one (atomic: a client
 * reaches either master, never nothing) and says {@code done}.</li>
 * </ul>
 * A failure to start, or the pool giving up on boot errors, is written to {@code failed} so that the old master
 * can say why it rolled back.
 */
final class UpgradeSuccessor implements PoolObserver, AutoCloseable {
    static final String DIRECTORY = "WORKERPOOL_UPGRADE_DIR";
    static final String SECRET = "WORKERPOOL_UPGRADE_SECRET";
    static final String FROM = "WORKERPOOL_UPGRADE_FROM";
    static final List<String> ALL = List.of(DIRECTORY, SECRET, FROM);
    static final String READY = "ready";
    static final String RELEASE = "release";
    static final String DONE = "done";
    static final String FAILED = "failed";
    static final String HANDOFF = "handoff.sock";
    /** From the pool's readiness to the pidfile's takeover: the old master answers within a poll. */
    private static final long TAKEOVER_NANOS = 60_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final Path directory;
    private final String secret;
    private final long oldPid;
    private volatile Path pidFilePath;
    private volatile PidFile pidFile;
    private volatile ManagementSocket controlSocket;
    private volatile Path controlSocketPath;
    private volatile boolean closed;
    private volatile boolean takenOver;

    private UpgradeSuccessor(Path directory, String secret, long oldPid) {
        this.directory = directory;
        this.secret = secret;
        this.oldPid = oldPid;
    }

    /**
     * The upgrade this master was started for, or null: none in the environment, or the variables were inherited
     * from an ancestor that is not this process's parent (a shell started from a master's environment).
     */
    static UpgradeSuccessor fromEnvironment(Map<String, String> env) {
        String dir = env.get(DIRECTORY);
        String secret = env.get(SECRET);
        String from = env.get(FROM);
        if (dir == null || secret == null || from == null) {
            return null;
        }
        try {
            long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
            if (Long.parseLong(from) != parent) {
                LOG.debug("{}={} is not this master's parent ({}): not an upgrade", FROM, from, parent);
                return null;
            }
            return new UpgradeSuccessor(Path.of(dir), secret, Long.parseLong(from));
        } catch (RuntimeException e) {
            LOG.debug("not an upgrade: {}", e.toString());
            return null;
        }
    }

    long oldPid() {
        return oldPid;
    }

    /** Fetches the old master's listening socket: a new descriptor, close-on-exec, that the caller owns. */
    int receiveListeningSocket() {
        try {
            int[] fds = DescriptorHandoff.receive(directory.resolve(HANDOFF), secret.getBytes(StandardCharsets.UTF_8));
            for (int i = 1; i < fds.length; i++) {
                Posix.close(fds[i]);
            }
            if (!Posix.isListeningSocket(fds[0])) {
                Posix.close(fds[0]);
                throw new PoolStartException("the socket master pid " + oldPid + " handed over is not listening");
            }
            return fds[0];
        } catch (PosixException e) {
            throw new PoolStartException("cannot take over the listening socket of master pid " + oldPid + ": "
                    + e.getMessage(), e);
        }
    }

    /** The pidfile is the old master's until {@link #RELEASE}: taken then, not at start. */
    void deferPidFile(Path path) {
        this.pidFilePath = path;
    }

    /** Where this master opens its management socket until it takes over {@code path}. */
    Path temporaryManagementSocket(Path path) {
        controlSocketPath = path;
        return path.resolveSibling(path.getFileName() + ".new-" + ProcessHandle.current().pid());
    }

    void controlSocketOpened(ManagementSocket socket) {
        this.controlSocket = socket;
    }

    /** An upgrade is under way here until the takeover is done: a second one is refused. */
    boolean takingOver() {
        return !takenOver && !closed;
    }

    @Override
    public void poolReady(int workers) {
        // on the loop thread: the wait for the old master goes on a thread of its own
        Thread.ofPlatform().daemon().name("workerpool-upgrade-takeover").start(() -> takeOver(workers));
    }

    private void takeOver(int workers) {
        try {
            write(directory, READY, "pid=" + ProcessHandle.current().pid() + "\nworkers=" + workers + "\njava="
                    + Runtime.version() + "\nversion=" + MasterUpgrade.version() + "\njvm="
                    + String.join(" ", MasterUpgrade.jvmOptions()) + "\n");
            long deadline = System.nanoTime() + TAKEOVER_NANOS;
            while (!Files.exists(directory.resolve(RELEASE))) {
                boolean oldAlive = ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false);
                if (!oldAlive) {
                    LOG.warn("master pid {} is gone before it released the pidfile: taking over", oldPid);
                    break;
                }
                if (closed || System.nanoTime() > deadline) {
                    return;
                }
                Thread.sleep(20);
            }
            if (pidFilePath != null) {
                pidFile = PidFile.acquire(pidFilePath, ProcessHandle.current().pid(), oldPid);
            }
            ManagementSocket socket = controlSocket;
            if (socket != null && controlSocketPath != null) {
                socket.moveTo(controlSocketPath);
            }
            Runnable then = onTakeover;
            if (then != null) {
                then.run();
            }
            takenOver = true;
            write(directory, DONE, "pid=" + ProcessHandle.current().pid() + "\n");
            LOG.info("took over from master pid {}{}{}", oldPid, pidFilePath == null ? "" : ": pidfile " + pidFilePath,
                    controlSocketPath == null ? "" : ", control socket " + controlSocketPath);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot take over from master pid {}: {}", oldPid, e.toString());
            failed("cannot take over from master pid " + oldPid + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private volatile Runnable onTakeover;

    /** Runs once the pidfile and the control socket's path are this master's (the metrics address, too). */
    void onTakeover(Runnable action) {
        onTakeover = action;
    }

    /** Forwards the pool's news to an observer that exists only once the takeover is done (metrics). */
    static final class DeferredObserver implements PoolObserver {
        private PoolObserver delegate = new PoolObserver() { };

        /** On the loop thread, as every call. */
        void delegate(PoolObserver observer) {
            delegate = observer;
        }

        @Override
        public void poolReady(int workers) {
            delegate.poolReady(workers);
        }

        @Override
        public void workerStarted(int id, long pid, long startMillis) {
            delegate.workerStarted(id, pid, startMillis);
        }

        @Override
        public void workerExited(int id, long pid, int status, ExitCause cause) {
            delegate.workerExited(id, pid, status, cause);
        }

        @Override
        public void workerRestarting(int id) {
            delegate.workerRestarting(id);
        }

        @Override
        public void workerRecycling(int id, String cause) {
            delegate.workerRecycling(id, cause);
        }

        @Override
        public void workerKilledAsStale(int id, long pid) {
            delegate.workerKilledAsStale(id, pid);
        }

        @Override
        public void reloadStarted(String cause) {
            delegate.reloadStarted(cause);
        }

        @Override
        public void reloadFinished(String result) {
            delegate.reloadFinished(result);
        }

        @Override
        public void replacementEnded(String kind, String result) {
            delegate.replacementEnded(kind, result);
        }

        @Override
        public void poolStopping(String cause) {
            delegate.poolStopping(cause);
        }

        @Override
        public void status(String line) {
            delegate.status(line);
        }

        @Override
        public void tick() {
            delegate.tick();
        }
    }

    /** Tells the old master why this one gives up; it rolls back. */
    void failed(String reason) {
        if (takenOver) {
            return;
        }
        try {
            write(directory, FAILED, String.valueOf(reason).replace('\n', ' ') + "\n");
        } catch (IOException e) {
            LOG.debug("cannot tell master pid {} why: {}", oldPid, e.toString());
        }
    }

    /** Written whole or not at all: a reader polls for the name. */
    static void write(Path directory, String name, String content) throws IOException {
        Path tmp = directory.resolve(name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, directory.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        closed = true;
        PidFile taken = pidFile;
        if (taken != null) {
            taken.close();
        }
    }
}
