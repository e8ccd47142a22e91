package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.posix.FakeNotifySocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real master under a fake systemd: NOTIFY_SOCKET points at a datagram socket of this JVM, which receives
 * what the master tells systemd (sd_notify(3)) as the pool starts, reloads and stops.
 */
class SystemdNotifyTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void tellsReadyOnceTheWorkersRunReloadingAroundAReloadAndStoppingOnSigterm() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify.sock"));
             PoolProcess pool = PoolProcess.in(dir).env("NOTIFY_SOCKET", systemd.address()).start()) {
            String ready = systemd.awaitMessage("READY=1", m -> m.startsWith("READY=1"), START);
            assertThat(ready).isEqualTo("READY=1\nMAINPID=" + pool.pid());
            // READY=1 comes after every worker's onStart, which wrote these lines
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(2);
            systemd.awaitMessage("STATUS=2 workers running", "STATUS=2 workers running"::equals, START);
            for (int id : new int[] {0, 1}) {
                assertThat(environmentOf(pool.workerPid(id))).as("environment of worker " + id)
                        .anyMatch(v -> v.startsWith("WORKERPOOL_CHANNEL_SOCKET="))
                        .noneMatch(v -> v.startsWith("NOTIFY_SOCKET="));
            }

            pool.signal("HUP");

            String reloading = systemd.awaitMessage("RELOADING=1", m -> m.startsWith("RELOADING=1"), START);
            List<String> lines = reloading.lines().toList();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(1)).matches("MONOTONIC_USEC=\\d+");
            // HotSpot's nanoTime() on Linux reads CLOCK_MONOTONIC as well: the two clocks agree here
            long monotonic = Long.parseLong(lines.get(1).substring("MONOTONIC_USEC=".length()));
            assertThat(monotonic).isBetween(System.nanoTime() / 1000 - 60_000_000, System.nanoTime() / 1000);
            assertThat(lines.get(2)).isEqualTo("STATUS=reloading (SIGHUP): replacing the workers one at a time");
            String readyAgain = systemd.awaitMessage("READY=1 after the reload", m -> m.startsWith("READY=1"), START);
            assertThat(readyAgain).startsWith("READY=1\nSTATUS=reload completed (SIGHUP): 2 worker(s) replaced in ");
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(4);

            pool.signal("TERM");

            systemd.awaitMessage("STOPPING=1", "STOPPING=1\nSTATUS=stopping (SIGTERM)"::equals, START);
            assertThat(pool.waitFor(START)).isZero();
            assertThat(systemd.received().stream().filter(m -> !m.equals("WATCHDOG=1")).toList())
                    .as("no watchdog without WATCHDOG_USEC; the whole conversation")
                    .containsExactly(ready, "STATUS=2 workers running", reloading, readyAgain,
                            "STOPPING=1\nSTATUS=stopping (SIGTERM)")
                    .hasSameSizeAs(systemd.received());
        }
    }

    @Test
    void pingsTheWatchdogFromThePoolsLoopEveryHalfInterval() throws Exception {
        String name = "workerpool-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (FakeNotifySocket systemd = FakeNotifySocket.abstractNamed(name);
             PoolProcess pool = PoolProcess.in(dir).with("checkIntervalMs", 100)
                     .env("NOTIFY_SOCKET", "@" + name).env("WATCHDOG_USEC", "400000").start()) {
            systemd.awaitMessage("READY=1", m -> m.startsWith("READY=1"), START);

            // every 200 ms: about 10 in 2 s, plus those queued since READY=1; a loaded machine may delay a few.
            // A ping at every check (100 ms) would make about 20.
            int pings = systemd.countFor(Duration.ofSeconds(2), "WATCHDOG=1"::equals);

            assertThat(pings).isBetween(5, 16);
            assertThat(pool.log()).contains("watchdog ping every 200 ms (WatchdogSec=400 ms)")
                    .doesNotContain("the watchdog wants a ping every");
            for (int id : new int[] {0, 1}) {
                assertThat(environmentOf(pool.workerPid(id))).as("environment of worker " + id)
                        .noneMatch(v -> v.startsWith("WATCHDOG_USEC=") || v.startsWith("NOTIFY_SOCKET="));
            }
            pool.signal("TERM");
            systemd.awaitMessage("STOPPING=1", m -> m.startsWith("STOPPING=1"), START);
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    /** The environment a process was started with, as NAME=value strings. */
    private static List<String> environmentOf(long pid) throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
        return Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\0"));
    }
}
