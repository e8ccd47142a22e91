package io.workerpool.internal.ops;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import io.workerpool.internal.wire.ExitCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the master the reaper of its orphaned descendants and reaps them, as an init process does. The master
 * becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so a process a worker started that outlives its
 * own parent is re-parented to the master instead of to init; as PID 1 of a container every orphan comes to
 * it anyway. Once such a process exits it stays a zombie until the master waits for it, which is this class's
 * job, on the loop's tick.
 *
 * <p>What it must never do is wait for a child the JDK waits for: the JDK's process reaper thread blocks in
 * waitpid(pid) for every {@link Process} this JVM started (the workers, and whatever user code in the master
 * started), and when someone else reaped that pid first it gets ECHILD and completes the {@code Process} with
 * exit status 0 (ProcessHandleImpl.completion, JDK 25): the true status would be lost. So it never calls
 * waitpid(-1); it skips the workers' pids, and reaps a zombie only once it has stayed one for
 * {@link #GRACE} across two ticks: the JDK's reaper, already blocked in waitpid when the child exits, takes
 * its own children within moments, so a zombie that lingers has no waiter.
 *
 * <p>Cost: one waitid(WNOHANG | WNOWAIT) per tick tells whether any child is a zombie at all; only then are
 * the master's children listed (a scan of /proc). Runs on the loop thread only.
 */
public final class OrphanReaper {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    /** How long a zombie must stay one before it is taken for an orphan nobody waits for. */
    static final Duration GRACE = Duration.ofSeconds(1);

    /** A zombie child as first seen: its start time tells a reused pid apart. */
    private record Sighting(long startTicks, long firstSeenNanos) {
    }

    private final boolean enabled;
    private boolean subreaper;
    private Map<Long, Sighting> zombies = new HashMap<>();

    private OrphanReaper(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Makes this process a child subreaper and returns the reaper. Where the kernel refuses (or this is not
     * Linux), says so in one line and returns a reaper that still reaps the orphans that do come to the
     * master (as PID 1 they all do).
     */
    public static OrphanReaper start() {
        if (!Posix.isSupported()) {
            LOG.debug("not a child subreaper, no orphan reaping: not supported on this platform");
            return new OrphanReaper(false);
        }
        long pid = ProcessHandle.current().pid();
        OrphanReaper reaper = new OrphanReaper(true);
        try {
            Posix.setChildSubreaper(true);
            reaper.subreaper = true;
            LOG.debug("child subreaper (pid {}): orphaned processes of the workers are re-parented to the master,"
                    + " which reaps them{}", pid, pid == 1 ? "; as PID 1 it reaps every orphan of this container" : "");
        } catch (PosixException | RuntimeException e) {
            LOG.info("cannot become a child subreaper ({}): processes the workers start that outlive their parent"
                    + " go to init instead of the master", e.getMessage());
        }
        return reaper;
    }

    /**
     * The pool has stopped: orphans go to init again, as they did before it started (Supervisor.main() may
     * return into a program that goes on, and nobody would reap them).
     */
    public void stop() {
        if (subreaper) {
            try {
                Posix.setChildSubreaper(false);
                subreaper = false;
            } catch (PosixException e) {
                LOG.debug("clearing the child subreaper flag: {}", e.getMessage());
            }
        }
    }

    /**
     * One tick: reaps the orphans that have been zombies for {@link #GRACE} since an earlier tick.
     *
     * @param isWorker true for a pid the master spawned (worker, successor, spare): never touched here
     */
    public void onTick(LongPredicate isWorker) {
        if (!enabled) {
            return;
        }
        try {
            if (Posix.peekExitedChild() == 0) {
                zombies.clear();
                return;
            }
        } catch (PosixException | RuntimeException e) {
            LOG.debug("looking for exited children failed: {}", e.getMessage());
            return;
        }
        long now = System.nanoTime();
        Map<Long, Sighting> stillZombies = new HashMap<>();
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            long pid = child.pid();
            long startTicks = zombieStartTicks(pid);
            if (startTicks < 0 || isWorker.test(pid)) {
                continue;
            }
            Sighting seen = zombies.get(pid);
            if (seen == null || seen.startTicks() != startTicks) {
                stillZombies.put(pid, new Sighting(startTicks, now));
            } else if (now - seen.firstSeenNanos() < GRACE.toNanos() || !reap(pid)) {
                stillZombies.put(pid, seen);
            }
        }
        zombies = stillZombies;
    }

    private boolean reap(long pid) {
        try {
            OptionalInt status = Posix.reapIfExited((int) pid);
            if (status.isEmpty()) {
                return false; // a group leader whose other threads still run shows Z before it can be waited for
            }
            LOG.debug("reaped orphaned process {} ({})", pid, ExitCodes.describe(status.getAsInt()));
        } catch (PosixException e) {
            LOG.debug("reaping orphaned process {}: {}", pid, e.getMessage()); // ECHILD: someone else waited
        }
        return true;
    }

    /**
     * The start time (clock ticks after boot, field 22 of /proc/PID/stat) of {@code pid} when it is a zombie
     * (state Z), else -1.
     */
    static long zombieStartTicks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'
        int end = stat.lastIndexOf(')');
        if (end < 0 || end + 2 >= stat.length()) {
            return -1;
        }
        List<String> fields = List.of(stat.substring(end + 2).trim().split(" "));
        if (fields.size() < 20 || !fields.get(0).equals("Z")) {
            return -1;
        }
        try {
            return Long.parseLong(fields.get(19)); // field 22 overall; fields.get(0) is field 3
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
