package io.workerpool.internal.master;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.launch.WorkerCommand;
import io.workerpool.internal.ops.Daemon;
import io.workerpool.internal.posix.DescriptorHandoff;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces this master by a new master process without closing the listening socket (issue 15; as Unicorn's
 * USR2, nginx's binary upgrade). The new master is this JVM's own command line, read again from
 * {@code /proc/self/cmdline} (so a changed {@code @argfile}, new jars, a new java at the same path, a changed
 * {@code JAVA_TOOL_OPTIONS} are picked up), with the upgrade's directory and secret in its environment (see
 * {@link UpgradeSuccessor}). It fetches the listening socket from a handoff socket of this master (SCM_RIGHTS,
 * as workers do: the JDK closes inherited descriptors), starts its workers on that same kernel socket, and once
 * its pool is ready this master releases the pidfile and the management socket's path, and stops its workers
 * gracefully: connections queued meanwhile are accepted by whichever workers are up.
 *
 * <p>Rollback: when the new master exits, gives up (its workers hit the boot-error limit), or is not ready in
 * time, this master kills it and its workers and keeps serving; the reason goes to the log and to the result
 * file {@code workerpool upgrade} reads. One upgrade at a time.
 *
 * <p>Runs on a thread of its own: the pool's loop never waits for the new master.
 */
final class MasterUpgrade {
    static final Duration DEFAULT_TIMEOUT = Pool.UPGRADE_TIMEOUT;
    static final String RESULT = "result";
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final PoolConfig config;
    private final MasterStartup startup;
    private final Pool pool;
    private final AtomicBoolean running = new AtomicBoolean();

    MasterUpgrade(PoolConfig config, MasterStartup startup, Pool pool) {
        this.config = config;
        this.startup = startup;
        this.pool = pool;
        UpgradeSuccessor successor = startup.successor();
        if (successor != null) {
            // this master was started by an upgrade: it tells the old one what to remove if it must kill it
            successor.started(startup.channelServer().directory(), config.controlSocket());
        }
    }

    /**
     * Starts an upgrade and returns the file its result will be written to (a line {@code ok ...} or
     * {@code failed ...}, then details); the caller deletes it and its directory.
     *
     * @throws IllegalStateException when an upgrade runs already, or this master is itself still taking over
     */
    Path start(Duration timeout, boolean keepResult) {
        UpgradeSuccessor successor = startup.successor();
        if (successor != null && successor.takingOver()) {
            throw new IllegalStateException("an upgrade is under way: this master is taking over from pid "
                    + successor.oldPid() + "; try again once it is done");
        }
        if (!startup.sharesListenSocket()) {
            throw new IllegalStateException("cannot upgrade a pool without a shared listening socket (listen(...),"
                    + " --listen): there is no socket to hand over; use reload to replace the workers");
        }
        if (config.listenPath() != null) {
            // the old master unlinks the socket's path when it stops: the new one would lose its address
            throw new IllegalStateException("cannot upgrade a pool that listens on a unix socket path yet (listen("
                    + config.listenPath() + ")); listen on a TCP address, or stop and start the pool");
        }
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("an upgrade is already under way; wait for its outcome");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("workerpool-upgrade-"); // 0700
        } catch (IOException | RuntimeException e) {
            running.set(false);
            throw new IllegalStateException("cannot create the upgrade's directory: " + e.getMessage());
        }
        Thread.ofPlatform().daemon().name("workerpool-upgrade").start(() -> {
            try {
                run(directory, timeout, keepResult);
            } catch (RuntimeException | Error e) {
                LOG.error("upgrade failed: {}", e.toString(), e);
                result(directory, "failed " + e);
            } finally {
                if (!keepResult) {
                    deleteQuietly(directory.resolve(RESULT)); // SIGUSR2, Supervisor.upgrade(): the log says it
                    deleteQuietly(directory);
                }
                running.set(false);
            }
        });
        return directory.resolve(RESULT);
    }

    private void run(Path directory, Duration timeout, boolean keepResult) {
        long oldPid = ProcessHandle.current().pid();
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String secretText = HexFormat.of().formatHex(secret);
        byte[] secretBytes = secretText.getBytes(StandardCharsets.UTF_8);
        LOG.info("upgrade: starting a new master to replace this one (pid {}), through {}", oldPid, directory);
        try {
            // what the new master removes should this one die during the upgrade (SIGKILL): nobody else would
            Path control = config.controlSocket();
            UpgradeSuccessor.write(directory, UpgradeSuccessor.OLD, "pid=" + oldPid + "\nchannel="
                    + startup.channelServer().directory() + "\ncontrol=" + (control == null ? "" : control) + "\n");
            if (keepResult) {
                UpgradeSuccessor.write(directory, UpgradeSuccessor.AWAITED, ""); // a command reads the result
            }
        } catch (IOException e) {
            fail(directory, "cannot write to the upgrade's directory: " + e.getMessage(), null, null);
            return;
        }
        Process successor;
        Path temporaryControl = config.controlSocket() == null ? null : config.controlSocket().resolveSibling(
                config.controlSocket().getFileName() + ".new-");
        try (DescriptorHandoff.Server handoff = DescriptorHandoff.Server.startHandingOver(
                directory.resolve(UpgradeSuccessor.HANDOFF),
                offered -> MessageDigest.isEqual(offered, secretBytes) ? startup.listenFdCopy() : null)) {
            try {
                successor = spawn(directory, secretText, oldPid);
            } catch (IOException e) {
                fail(directory, "cannot start the new master: " + e.getMessage(), null, null);
                return;
            }
            long newPid = successor.pid();
            try {
                UpgradeSuccessor.write(directory, UpgradeSuccessor.NEW_MASTER, "pid=" + newPid + "\n");
            } catch (IOException e) {
                LOG.debug("upgrade: {}", e.toString()); // only `workerpool upgrade` reads it, to stop waiting early
            }
            temporaryControl = temporaryControl == null ? null
                    : temporaryControl.resolveSibling(temporaryControl.getFileName() + Long.toString(newPid));
            LOG.info("upgrade: new master pid {} started; waiting up to {} s for its pool to be ready", newPid,
                    timeout.toSeconds());
            String failure = awaitFile(directory, UpgradeSuccessor.READY, successor, timeout);
            if (failure != null) {
                fail(directory, failure, successor, temporaryControl);
                return;
            }
            Map<String, String> ready = UpgradeSuccessor.properties(directory.resolve(UpgradeSuccessor.READY));
            // ownership: the pidfile's lock and the control socket's path go to the new master
            startup.handOverOwnership();
            UpgradeSuccessor.write(directory, UpgradeSuccessor.RELEASE, "pid=" + oldPid + "\n");
            failure = awaitFile(directory, UpgradeSuccessor.DONE, successor, TAKEOVER_TIMEOUT);
            if (failure != null) {
                startup.takeOwnershipBack();
                fail(directory, failure, successor, temporaryControl);
                return;
            }
            startup.notifyMainPid(newPid);
            List<String> changes = changes(ready);
            String summary = "upgraded: master pid " + oldPid + " -> " + newPid;
            LOG.info("upgrade: master pid {} took over ({}); this master stops its workers gracefully", newPid,
                    changes.isEmpty() ? "nothing changed" : String.join(", ", changes));
            StringBuilder text = new StringBuilder("ok ").append(summary).append('\n')
                    .append("old master: ").append(oldPid).append('\n')
                    .append("new master: ").append(newPid).append('\n');
            changes.forEach(c -> text.append("changed: ").append(c).append('\n'));
            if (changes.isEmpty()) {
                text.append("changed: nothing (same workers, JVM options, java and version)\n");
            }
            result(directory, text.toString());
            pool.terminate(config.stopTimeout(), "upgraded: master pid " + newPid + " took over");
        } catch (IOException e) {
            fail(directory, "cannot hand the listening socket over: " + e.getMessage(), null, null);
        }
    }

    /** Null once {@code name} is there; else why not: the new master failed, exited or timed out. */
    private static String awaitFile(Path directory, String name, Process successor, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Path failed = directory.resolve(UpgradeSuccessor.FAILED);
            if (Files.exists(failed)) {
                try {
                    return "the new master (pid " + successor.pid() + ") failed: "
                            + Files.readString(failed, StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    return "the new master (pid " + successor.pid() + ") failed";
                }
            }
            if (Files.exists(directory.resolve(name))) {
                return null;
            }
            if (!successor.isAlive()) {
                return Files.exists(failed) ? awaitFile(directory, name, successor, Duration.ZERO)
                        : "the new master (pid " + successor.pid() + ") exited with status " + successor.exitValue()
                        + " before it was " + (name.equals(UpgradeSuccessor.READY) ? "ready" : "done taking over");
            }
            if (System.nanoTime() > deadline) {
                return "the new master (pid " + successor.pid() + ") was not " + (name.equals(UpgradeSuccessor.READY)
                        ? "ready" : "done taking over") + " within " + timeout.toSeconds() + " s";
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    /** Rolls back: the new master and every process under it are killed; this one keeps serving. */
    private void fail(Path directory, String reason, Process successor, Path temporaryControl) {
        if (successor != null) {
            List<ProcessHandle> tree = new ArrayList<>(successor.descendants().toList());
            successor.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            try {
                successor.waitFor();
                for (ProcessHandle p : tree) {
                    p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.warn("upgrade: a process of the new master did not exit in time: {}", e.toString());
            }
            // what the dead master could not remove: its worker-socket directory and its temporary control socket
            Map<String, String> started = UpgradeSuccessor.properties(directory.resolve(UpgradeSuccessor.STARTED));
            UpgradeSuccessor.deleteChannelDirectory(started.get("channel"));
            String control = started.get("control");
            deleteQuietly(control != null && !control.isEmpty() ? Path.of(control) : temporaryControl);
        }
        LOG.warn("upgrade rolled back: {}; this master (pid {}) keeps serving", reason,
                ProcessHandle.current().pid());
        result(directory, "failed upgrade rolled back: " + reason + "; master pid " + ProcessHandle.current().pid()
                + " keeps serving\n");
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
    }

    /** Leaves only the result in the upgrade's directory: the command that asked reads and removes it. */
    private static void result(Path directory, String text) {
        try (Stream<Path> files = Files.list(directory)) {
            files.filter(f -> !f.getFileName().toString().startsWith(RESULT)).sorted(Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.debug("upgrade: {}", e.toString());
        }
        try {
            UpgradeSuccessor.write(directory, RESULT, text);
        } catch (IOException e) {
            LOG.warn("upgrade: cannot write its result to {}: {}", directory, e.toString());
        }
    }

    private Process spawn(Path directory, String secret, long oldPid) throws IOException {
        List<String> command = new ArrayList<>(WorkerCommand.currentCommandLine());
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        // systemd's sockets were this master's: the new one gets the socket from it; NOTIFY_SOCKET stays
        env.remove("LISTEN_FDS"); // sd_listen_fds(3), as SystemdEnvironment names them
        env.remove("LISTEN_PID");
        env.remove("LISTEN_FDNAMES");
        if (env.containsKey(Daemon.STATUS_FILE)) {
            // a daemon's new master detaches as it did (setsid) and reports where nobody waits but this upgrade
            env.put(Daemon.STATUS_FILE, directory.resolve("daemon.status").toString());
        }
        env.put(UpgradeSuccessor.DIRECTORY, directory.toString());
        env.put(UpgradeSuccessor.SECRET, secret);
        env.put(UpgradeSuccessor.FROM, Long.toString(oldPid));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        return builder.start();
    }

    private List<String> changes(Map<String, String> ready) {
        List<String> changes = new ArrayList<>();
        int workers = pool.workerIds().size();
        compare(changes, "workers", Integer.toString(workers), ready.get("workers"));
        compare(changes, "java", Runtime.version().toString(), ready.get("java"));
        compare(changes, "version", version(), ready.get("version"));
        compare(changes, "JVM options", String.join(" ", jvmOptions()), ready.get("jvm"));
        return changes;
    }

    private static void compare(List<String> changes, String what, String before, String after) {
        if (after != null && !after.equals(before)) {
            changes.add(what + " " + (before.isEmpty() ? "(none)" : before) + " -> " + (after.isEmpty() ? "(none)"
                    : after));
        }
    }

    static String version() {
        String version = MasterUpgrade.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }

    /** This JVM's options as its command line and JAVA_TOOL_OPTIONS give them. */
    static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(WorkerCommand.ofCurrentProcess().jvmOptions());
        String tool = System.getenv("JAVA_TOOL_OPTIONS");
        if (tool != null && !tool.isBlank()) {
            options.add("JAVA_TOOL_OPTIONS=" + tool.strip());
        }
        return options;
    }
}
