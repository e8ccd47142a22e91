package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master as a child subreaper: a process a worker leaves behind is re-parented to the master, which reaps
 * it once it exits; and reaping orphans never steals the exit status of a worker, which the JDK waits for.
 */
class OrphanReapingTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Pattern ORPHAN = Pattern.compile("worker-orphan (\\d+) (\\d+) (\\d+)");

    @TempDir
    Path dir;

    @Test
    void adoptsWhatAWorkerLeavesBehindAndReapsItOnceItExits() throws Exception {
        Path go = dir.resolve("go");
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 2).with("behaviour", "orphan")
                .with("orphanGo", go).with("checkIntervalMs", 100).start()) {
            pool.awaitEvents("worker-orphan \\d+ \\d+ \\d+", 2, START);
            List<Long> orphans = orphanPids(pool);
            for (long orphan : orphans) {
                // the shell that started it has exited: its parent is now the master, not init
                await().atMost(START).alias("parent of orphan " + orphan)
                        .until(() -> parentOf(orphan) == pool.pid());
            }
            assertThat(zombieChildren(pool.pid())).isEmpty();

            Files.createFile(go); // the orphans exit 5

            await().atMost(START).alias("zombie children of the master, orphans " + orphans + "\nlog:\n" + pool.tail())
                    .until(() -> orphans.stream().noneMatch(pid -> parentOf(pid) == pool.pid())
                            && zombieChildren(pool.pid()).isEmpty());
            for (long orphan : orphans) {
                pool.awaitLog("reaped orphaned process " + orphan + " (exit status 5)", START);
            }
            assertThat(pool.count("worker-start \\d+ \\d+")).as("no worker was disturbed").isEqualTo(2);
        } finally {
            if (!Files.exists(go)) {
                Files.createFile(go); // ends any orphan still waiting, whoever its parent is now
            }
        }
    }

    @Test
    void workersExitStatusesAndSignalsAreStillReportedTrulyWhileOrphansAreReaped() throws Exception {
        Path go = dir.resolve("go");
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 3).with("behaviour.0", "exit7")
                .with("behaviour.1", "loop").with("behaviour.2", "orphan").with("orphanGo", go)
                .with("checkIntervalMs", 20).start()) {
            pool.awaitEvents("worker-orphan 2 \\d+ \\d+", 1, START);
            Files.createFile(go); // the orphan exits: the reaper is at work while workers die
            for (int kill = 1; kill <= 3; kill++) {
                pool.awaitEvents("worker-start 1 \\d+", kill, START);
                long worker = pool.workerPid(1);
                Signal.send(worker, "KILL");
                pool.awaitLog("worker 1 [RUNNING] (pid " + worker + ") exited (signal 9 (SIGKILL))", START);
            }
            pool.awaitEvents("worker-main 0 \\d+", 4, START);
            await().atMost(START).until(() -> countMatches(pool.log(), "worker 0 \\[\\w+\\] \\(pid \\d+\\) exited") >= 4);
            pool.awaitLog("reaped orphaned process " + orphanPids(pool).getFirst() + " (exit status 5)", START);

            String log = pool.log();
            assertThat(countMatches(log, "worker 0 \\[\\w+\\] \\(pid \\d+\\) exited \\(exit status 7\\)"))
                    .as("every exit of worker 0 reported with status 7\n" + pool.tail())
                    .isEqualTo(countMatches(log, "worker 0 \\[\\w+\\] \\(pid \\d+\\) exited"));
            assertThat(log).doesNotContain("exited (exit status 0)");
        } finally {
            if (!Files.exists(go)) {
                Files.createFile(go);
            }
        }
    }

    /**
     * As in a container: the master is PID 1 of its own pid namespace (unshare(1), where this machine allows
     * it). Orphans of the namespace, the workers' included, are reaped, and TERM from outside stops the pool
     * gracefully with exit status 0.
     */
    @Test
    void asPid1OfAPidNamespaceItReapsOrphansAndStopsGracefullyOnTerm() throws Exception {
        List<String> unshare = pidNamespaceWrapper();
        assumeTrue(unshare != null, "unshare(1) cannot create a pid namespace here");
        Path go = dir.resolve("go");
        try (PoolProcess pool = PoolProcess.in(dir).wrapper(unshare.toArray(String[]::new)).with("workers", 2)
                .with("behaviour", "orphan").with("orphanGo", go).with("checkIntervalMs", 100).start()) {
            pool.awaitEvent("master-start 1");
            pool.awaitEvents("worker-orphan \\d+ \\d+ \\d+", 2, START);
            long master = await().atMost(START).until(() -> pool.master().children().findFirst()
                    .map(ProcessHandle::pid).orElse(-1L), pid -> pid > 0);
            await().atMost(START).alias("the orphans, children of the master (host pid " + master + ")")
                    .until(() -> childrenWaitingFor(master, go) == 2);

            Files.createFile(go);

            await().atMost(START).alias("the orphans reaped\nlog:\n" + pool.tail())
                    .until(() -> childrenWaitingFor(master, go) == 0 && zombieChildren(master).isEmpty());
            assertThat(countMatches(pool.log(), "reaped orphaned process \\d+ \\(exit status 5\\)")).isEqualTo(2);

            Signal.send(master, "TERM");
            assertThat(pool.waitFor(START)).as("exit status of the master as PID 1\n" + pool.tail()).isZero();
            assertThat(pool.log()).contains("pool stopping (SIGTERM)").contains("pool stopped");
        } finally {
            if (!Files.exists(go)) {
                Files.createFile(go);
            }
        }
    }

    /** unshare's options that give the command a pid namespace of its own here, or null when none works. */
    private static List<String> pidNamespaceWrapper() throws InterruptedException {
        for (List<String> options : List.of(List.of("-p", "-f", "--mount-proc", "--kill-child"),
                List.of("-r", "-p", "-f", "--mount-proc", "--kill-child"))) {
            List<String> command = new ArrayList<>(List.of("unshare"));
            command.addAll(options);
            try {
                Process probe = new ProcessBuilder(concat(command, "true")).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (probe.waitFor() == 0) {
                    return command;
                }
            } catch (IOException e) {
                return null; // no unshare(1)
            }
        }
        return null;
    }

    private static List<String> concat(List<String> list, String last) {
        List<String> all = new ArrayList<>(list);
        all.add(last);
        return all;
    }

    /** Children of {@code parent} (host pids) still running the orphan script that waits for {@code go}. */
    private static long childrenWaitingFor(long parent, Path go) throws IOException {
        long count = 0;
        for (long child : children(parent, false)) {
            try {
                String cmdline = Files.readString(Path.of("/proc/" + child + "/cmdline"), StandardCharsets.UTF_8);
                count += cmdline.contains("'" + go + "'") ? 1 : 0; // the script quotes it; the workers' -D does not
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return count;
    }

    private static List<Long> orphanPids(PoolProcess pool) {
        List<Long> pids = new ArrayList<>();
        for (String line : pool.events()) {
            Matcher m = ORPHAN.matcher(line);
            if (m.matches()) {
                pids.add(Long.parseLong(m.group(3)));
            }
        }
        return pids;
    }

    private static long countMatches(String text, String regex) {
        return Pattern.compile(regex).matcher(text).results().count();
    }

    /** The PPid line of /proc/PID/status, or -1 once the process is gone (reaped). */
    private static long parentOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("PPid:")) {
                    return Long.parseLong(line.substring(5).trim());
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** Children of {@code parent} in state Z. */
    private static List<Long> zombieChildren(long parent) throws IOException {
        return children(parent, true);
    }

    /** Children of {@code parent} (all, or only zombies), from /proc/PID/stat ("pid (comm) state ppid ..."). */
    private static List<Long> children(long parent, boolean zombiesOnly) throws IOException {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(entry.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(fields[1]) == parent && (!zombiesOnly || fields[0].equals("Z"))) {
                    children.add(Long.parseLong(entry.getFileName().toString()));
                }
            }
        }
        return children;
    }
}
