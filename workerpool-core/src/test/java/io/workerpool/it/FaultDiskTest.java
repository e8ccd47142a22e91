package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' stdout/stderr files meet disk problems: unwritable at start (refused, nothing started), their
 * directory removed while the pool runs (a log rotation then says so; workers keep their open files; a worker
 * that must start meanwhile waits with backoff, and starts once the directory is back), a full disk (writes
 * fail, workers go on). A missing directory at start: {@code HeartbeatAndPidFileTest}.
 */
class FaultDiskTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void refusesToStartWhenTheStdoutDirectoryIsNotWritable() throws Exception {
        Path out;
        if ("root".equals(System.getProperty("user.name"))) {
            out = Path.of("/sys/workerpool-out.txt"); // permissions don't stop root; sysfs takes no new files
        } else {
            Path readOnly = Files.createDirectory(dir.resolve("read-only"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-x------")));
            out = readOnly.resolve("out.txt");
        }
        try (PoolProcess pool = PoolProcess.in(dir).with("stdout", out).start()) {
            assertThat(pool.waitFor(START)).isNotZero();
            assertThat(pool.log()).contains("cannot open the workers' stdout file " + out + ": permission denied")
                    .doesNotContain("\tat ");
            assertThat(pool.events()).isEmpty();
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void keepsRunningWhenTheOutputDirectoryIsRemovedAndStartsWorkersAgainOnceItIsBack() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Path out = logs.resolve("out.txt");
        Path err = logs.resolve("err.txt");
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "chatty").with("stdout", out)
                .with("stderr", err).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long worker0 = pool.workerPid(0);
            long worker1 = pool.workerPid(1);
            await().atMost(START).until(() -> Files.readString(out).contains("chatty stdout from worker 1"));

            deleteRecursively(logs);
            pool.signal("USR1");

            // one line per worker and stream, in the master's log, from the worker (MDC worker=<id>)
            for (int id = 0; id < 2; id++) {
                for (Path file : new Path[] {out, err}) {
                    String line = "\\[" + id + "\\] WARN  io\\.workerpool\\.Worker .* could not reopen std(out|err) at "
                            + Pattern.quote(file.toString());
                    await().atMost(START).untilAsserted(() -> assertThat(pool.log()).containsPattern(line));
                }
            }
            assertThat(pool.log()).contains("(open failed: ENOENT (No such file or directory)); it keeps writing to"
                    + " the file it had open");
            for (long pid : new long[] {worker0, worker1}) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/1")).toString())
                        .isEqualTo(out + " (deleted)");
            }

            // A worker that must start now can't have its stdout: it is retried with backoff, the others go on.
            Signal.send(worker1, "KILL");
            pool.awaitLog("worker 1: cannot start a JVM (cannot open the workers' stdout file " + out
                    + ": its directory " + logs + " does not exist", START);
            assertThat(pool.log()).containsPattern("worker 1: cannot start a JVM .*; retrying in \\d+ ms");
            Files.createDirectory(logs);
            pool.awaitEvents("worker-main 1 \\d+", 2, START);
            await().atMost(START).until(() -> Files.exists(out)
                    && Files.readString(out).contains("chatty stdout from worker 1 pid " + pool.workerPid(1)));

            assertThat(pool.workerPid(0)).isEqualTo(worker0);
            assertThat(Signal.alive(worker0)).isTrue();
            assertThat(pool.count("worker-start 0 \\d+")).isEqualTo(1);
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    @Test
    void workersWritingToAFullDiskGoOn() throws Exception {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "chatty").with("stdout", full)
                .with("stderr", full).with("pidfile", dir.resolve("pool.pid")).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            long worker0 = pool.workerPid(0);
            long worker1 = pool.workerPid(1);
            pool.signal("USR1");
            pool.awaitLog("SIGUSR1: 2 worker(s) reopen stdout /dev/full and stderr /dev/full", START);
            // chatty writes every 50 ms; after 3 s of uptime each has failed about 60 writes
            await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> upAtLeast(dir.resolve("pool.sock"),
                    3000));
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(2);
            assertThat(Signal.alive(worker0) && Signal.alive(worker1)).isTrue();
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(pool.count("worker-shutdown \\d+ \\d+")).isEqualTo(2);
        }
    }

    /** Both workers RUNNING for at least this long, says the control socket. */
    private static boolean upAtLeast(Path controlSocket, long millis) throws IOException {
        Matcher m = Pattern.compile("\"state\":\"RUNNING\",\"uptimeMillis\":(\\d+)")
                .matcher(ManagementSocketTest.request(controlSocket, "status"));
        int up = 0;
        while (m.find()) {
            up += Long.parseLong(m.group(1)) >= millis ? 1 : 0;
        }
        return up == 2;
    }

    private static void deleteRecursively(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
