package io.workerpool.internal.master;

import io.workerpool.PoolStartException;
import io.workerpool.internal.core.PoolObserver;
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
 * can say why it rolled back. This master says where its own files are ({@code started}), which the old master
 * removes if it must kill it. When the old master dies during the upgrade (SIGKILL), nobody rolls back: this
 * master either takes over anyway (once ready) or, when it cannot start without the old master's socket, fails
 * with one line; either way it removes what the dead master left (its worker-socket directory, named in
 * {@code old}; when no master runs, also its pidfile and control socket) and the upgrade's directory, but for the
 * outcome when {@code workerpool upgrade} waits for it ({@code awaited}).
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
    /** The old master's pid, worker-socket directory and control socket: what a dead old master leaves. */
    static final String OLD = "old";
    /** There when {@code workerpool upgrade} waits for the result: it reads and removes it. */
    static final String AWAITED = "awaited";
    /** The new master's pid, from the old master: {@code workerpool upgrade} stops waiting once both are gone. */
    static final String NEW_MASTER = "new-master";
    /** The new master's worker-socket directory and temporary control socket: what a killed one leaves. */
    static final String STARTED = "started";
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
            long oldPid = Long.parseLong(from);
            // the old master killed before this one looked (re-parented): still its upgrade, which must fail
            // cleanly here rather than start a second pool; a finished upgrade's directory is gone
            boolean orphaned = !alive(oldPid) && Files.exists(Path.of(dir).resolve(OLD));
            if (oldPid != parent && !orphaned) {
                LOG.debug("{}={} is not this master's parent ({}): not an upgrade", FROM, from, parent);
                return null;
            }
            return new UpgradeSuccessor(Path.of(dir), secret, oldPid);
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
            if (fds.length == 0) {
                throw new PoolStartException("master pid " + oldPid + " has no listening socket to hand over: its"
                        + " pool is stopping; nothing was started");
            }
            for (int i = 1; i < fds.length; i++) {
                Posix.close(fds[i]);
            }
            if (!Posix.isListeningSocket(fds[0])) {
                Posix.close(fds[0]);
                throw new PoolStartException("the socket master pid " + oldPid + " handed over is not listening");
            }
            return fds[0];
        } catch (PosixException e) {
            if (!alive(oldPid)) {
                throw new PoolStartException("cannot take over the listening socket: master pid " + oldPid
                        + " died before it handed it over (" + e.getMessage() + "); nothing was started");
            }
            throw new PoolStartException("cannot take over the listening socket of master pid " + oldPid + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * True while {@code pid} runs. A master killed after its parent died (re-parented to an init that reaps late)
     * stays a zombie for a while, which the JDK calls alive: not here.
     */
    static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            char state = stat.charAt(stat.lastIndexOf(')') + 2); // after "pid (comm) "
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); // gone, or no /proc
        }
    }

    /**
     * Says what the old master removes should it have to kill this one: this master's worker-socket directory
     * and temporary control socket ({@link #temporaryManagementSocket}).
     */
    void started(Path channelDirectory, Path controlSocket) {
        long pid = ProcessHandle.current().pid();
        try {
            write(directory, STARTED, "pid=" + pid + "\nchannel=" + channelDirectory + "\ncontrol="
                    + (controlSocket == null ? "" : temporaryPath(controlSocket, pid)) + "\n");
        } catch (IOException e) {
            LOG.debug("cannot tell master pid {} where this master's files are: {}", oldPid, e.toString());
        }
    }

    private static Path temporaryPath(Path controlSocket, long pid) {
        return controlSocket.resolveSibling(controlSocket.getFileName() + ".new-" + pid);
    }

    /** The pidfile is the old master's until {@link #RELEASE}: taken then, not at start. */
    void deferPidFile(Path path) {
        this.pidFilePath = path;
    }

    /** Where this master opens its management socket until it takes over {@code path}. */
    Path temporaryManagementSocket(Path path) {
        controlSocketPath = path;
        return temporaryPath(path, ProcessHandle.current().pid());
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
            boolean oldDied = false;
            while (!Files.exists(directory.resolve(RELEASE))) {
                if (!alive(oldPid)) {
                    LOG.warn("master pid {} is gone before it released the pidfile: taking over", oldPid);
                    oldDied = true;
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
            if (oldDied) {
                abandoned("the master (pid " + oldPid + ") died during the upgrade; the new master (pid "
                        + ProcessHandle.current().pid() + ") took over: check it with 'workerpool status'", false);
            }
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
        if (!alive(oldPid)) {
            // nobody rolls back: the old master died (SIGKILL) during the upgrade; leave nothing half-owned
            abandoned("the master (pid " + oldPid + ") died during the upgrade; the new master (pid "
                    + ProcessHandle.current().pid() + ") gave up: " + String.valueOf(reason).replace('\n', ' ')
                    + "; no master runs: start the pool again", true);
        }
    }

    /**
     * The old master died during the upgrade: this one removes what it left (its worker-socket directory; when
     * no master runs, also its pidfile and control socket) and the upgrade's directory, but for the result when
     * {@code workerpool upgrade} waits for it.
     */
    private void abandoned(String outcome, boolean noMasterRuns) {
        Map<String, String> old = properties(directory.resolve(OLD));
        deleteChannelDirectory(old.get("channel"));
        if (noMasterRuns) {
            if (pidFilePath != null && pidFile == null) {
                try {
                    PidFile.acquire(pidFilePath, ProcessHandle.current().pid(), oldPid).close(); // removes it
                } catch (RuntimeException e) {
                    LOG.debug("pidfile {} left: {}", pidFilePath, e.getMessage()); // a new master has it
                }
            }
            String control = old.get("control");
            if (control != null && !control.isEmpty()) {
                try {
                    io.workerpool.internal.ops.UnixSockets.removeStale(Path.of(control), "control socket");
                } catch (IOException | RuntimeException e) {
                    LOG.debug("control socket {} left: {}", control, e.getMessage());
                }
            }
        }
        boolean awaited = Files.exists(directory.resolve(AWAITED));
        try (java.util.stream.Stream<Path> files = Files.list(directory)) {
            files.forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
        try {
            if (awaited) {
                write(directory, MasterUpgrade.RESULT, "failed " + outcome + "\n");
            } else {
                Files.deleteIfExists(directory);
            }
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
    }

    /** Removes a dead master's worker-socket directory (flat: its sockets), named in an upgrade's file. */
    static void deleteChannelDirectory(String path) {
        if (path == null || path.isEmpty() || !Path.of(path).getFileName().toString().startsWith("workerpool-")) {
            return;
        }
        Path channel = Path.of(path);
        try (java.util.stream.Stream<Path> files = Files.list(channel)) {
            files.forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString()); // gone already: the master removed it itself
        }
        try {
            Files.deleteIfExists(channel);
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
    }

    static Map<String, String> properties(Path file) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
        return values;
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
