package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** daemonize(true): the launcher exits 0 once the detached master runs in its own session. */
class DaemonModeTest {
    @TempDir
    Path dir;

    @Test
    void launcherExitsZeroAndTheDaemonRunsInItsOwnSessionUntilSigterm() throws Exception {
        Path pidfile = dir.resolve("daemon.pid");
        Path err = dir.resolve("err.txt");
        long daemonPid = -1;
        try (PoolProcess launcher = PoolProcess.in(dir).with("daemon", true).with("pidfile", pidfile)
                .with("stderr", err).start()) {
            assertThat(launcher.waitFor(Duration.ofSeconds(60))).as(launcher.tail()).isZero();
            assertThat(launcher.log()).contains("daemon running, pid");
            daemonPid = Long.parseLong(Files.readString(pidfile).strip());
            assertThat(daemonPid).isNotEqualTo(launcher.pid());
            assertThat(Signal.alive(daemonPid)).isTrue();
            assertThat(sessionOf(daemonPid)).isEqualTo(daemonPid);
            launcher.awaitEvents("worker-main \\d+ \\d+", 2, Duration.ofSeconds(30));
            long worker = launcher.workerPid(0);
            assertThat(ProcessHandle.of(worker).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                    .contains(daemonPid);

            Signal.send(daemonPid, "TERM");

            long pid = daemonPid;
            await().atMost(Duration.ofSeconds(30)).until(() -> !Signal.alive(pid));
            assertThat(pidfile).doesNotExist();
            assertThat(launcher.count("worker-shutdown \\d+ \\d+")).isEqualTo(2);
            assertThat(launcher.events().getLast()).isEqualTo("master-exit " + daemonPid);
        } finally {
            if (daemonPid > 0) {
                ProcessHandle.of(daemonPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void launcherFailsWithTheDaemonsReasonWhenThePidfileIsHeld() throws Exception {
        Path pidfile = dir.resolve("daemon.pid");
        Path second = Files.createDirectory(dir.resolve("second"));
        try (PoolProcess first = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            first.awaitEvents("worker-main \\d+ \\d+", 2, Duration.ofSeconds(30));
            try (PoolProcess launcher = PoolProcess.in(second).with("daemon", true).with("pidfile", pidfile).start()) {
                assertThat(launcher.waitFor(Duration.ofSeconds(60))).isEqualTo(1);
                assertThat(launcher.log()).contains("the daemon could not start: another master is already running"
                        + " with pidfile " + pidfile + " (pid " + first.pid() + ")");
            }
        }
    }

    /** The session id: field 6 of /proc/PID/stat, after the parenthesised command name. */
    private static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[3]);
    }
}
