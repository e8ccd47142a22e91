package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ch.qos.logback.classic.Level;
import io.workerpool.internal.posix.FakeNotifySocket;
import io.workerpool.internal.posix.Posix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.workerpool.internal.channel.CapturingAppender;

/** The notify protocol as the pool's loop drives it, against a fake notify socket in this JVM. */
class SystemdNotifierTest {
    private static final long PID = 4242;
    private static final Duration CHECK = Duration.ofMillis(100);

    @TempDir
    Path dir;

    @Test
    void tellsReadyReloadingAndStoppingInTheOrderOfThePoolsEvents() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", systemd.address()))) {
            notifier.poolReady(2);
            notifier.status("2 workers running");
            long before = Posix.monotonicMicros();
            notifier.reloadStarted("SIGHUP");
            long after = Posix.monotonicMicros();
            notifier.reloadFinished("completed (SIGHUP): 2 worker(s) replaced in 900 ms");
            notifier.poolStopping("SIGTERM");
            notifier.reloadFinished("aborted (SIGHUP): the pool is stopping"); // as the core (RollingReload) does when stopping

            List<String> messages = receiveAll(systemd);
            assertThat(messages).hasSize(5);
            assertThat(messages.get(0)).isEqualTo("READY=1\nMAINPID=" + PID);
            assertThat(messages.get(1)).isEqualTo("STATUS=2 workers running");
            assertThat(messages.get(2)).startsWith("RELOADING=1\nMONOTONIC_USEC=")
                    .endsWith("\nSTATUS=reloading (SIGHUP): replacing the workers one at a time");
            long monotonic = Long.parseLong(messages.get(2).lines().toList().get(1).substring("MONOTONIC_USEC=".length()));
            assertThat(monotonic).isBetween(before, after);
            assertThat(messages.get(3))
                    .isEqualTo("READY=1\nSTATUS=reload completed (SIGHUP): 2 worker(s) replaced in 900 ms");
            // no READY=1 after STOPPING=1, although the stop aborted nothing but a finished reload
            assertThat(messages.get(4)).isEqualTo("STOPPING=1\nSTATUS=stopping (SIGTERM)");
        }
    }

    /** Issue 15: an upgrade's old master names the new one as the unit's main process, then says nothing more. */
    @Test
    void anUpgradedMasterHandsTheUnitToTheNewMainPidAndFallsSilent() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", systemd.address()))) {
            notifier.poolReady(1);
            notifier.mainPid(4343);
            notifier.poolStopping("upgraded: master pid 4343 took over"); // STOPPING=1 would stop the unit
            notifier.tick();

            assertThat(receiveAll(systemd)).containsExactly("READY=1\nMAINPID=" + PID, "MAINPID=4343");
        }
    }

    @Test
    void aReloadBeforeThePoolIsReadyOnlyUpdatesTheStatus() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", systemd.address()))) {
            notifier.reloadStarted("reload requested");
            notifier.reloadFinished("failed (reload requested): worker 0 exited\nbefore it was ready");
            notifier.poolReady(1);

            assertThat(receiveAll(systemd)).containsExactly(
                    "STATUS=reloading (reload requested)",
                    "STATUS=reload failed (reload requested): worker 0 exited before it was ready",
                    "READY=1\nMAINPID=" + PID);
        }
    }

    @Test
    void reachesAnAbstractSocketNamedWithAnAt() throws Exception {
        String name = "workerpool-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (FakeNotifySocket systemd = FakeNotifySocket.abstractNamed(name);
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", "@" + name))) {
            notifier.poolStopping("SIGTERM");

            assertThat(receiveAll(systemd)).containsExactly("STOPPING=1\nSTATUS=stopping (SIGTERM)");
        }
    }

    @Test
    void pingsTheWatchdogFromTicksAtMostHalfAnIntervalApart() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address(),
                     "WATCHDOG_USEC", "1000000", "WATCHDOG_PID", Long.toString(PID)), PID, CHECK, clock::get)) {
            assertThat(notifier.watchdogInterval()).isEqualTo(Duration.ofSeconds(1));
            List<Long> pingedAtMillis = new ArrayList<>();
            for (long millis = 0; millis <= 2000; millis += CHECK.toMillis()) {
                clock.set(1_000_000_000L + millis * 1_000_000);
                notifier.tick();
                if ("WATCHDOG=1".equals(systemd.receive())) {
                    pingedAtMillis.add(millis);
                }
            }
            // the first check pings at once; then no gap wider than half of WatchdogSec, and no needless ping
            assertThat(pingedAtMillis).containsExactly(0L, 500L, 1000L, 1500L, 2000L);
        }
    }

    @Test
    void leavesAWatchdogMeantForAnotherProcessAlone() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", systemd.address(),
                     "WATCHDOG_USEC", "1000000", "WATCHDOG_PID", "1"))) {
            notifier.tick();
            notifier.tick();

            assertThat(notifier.watchdogInterval()).isZero();
            assertThat(receiveAll(systemd)).isEmpty();
        }
    }

    @Test
    void warnsAtStartWhenChecksAreTooRareForTheWatchdog() throws Exception {
        try (CapturingAppender log = new CapturingAppender("%level %msg");
             FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"));
             SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address(),
                     "WATCHDOG_USEC", "1000000"), PID, Duration.ofSeconds(1), System::nanoTime)) {
            assertThat(log.rendered).anyMatch(line -> line.startsWith("WARN systemd: the watchdog wants a ping every"
                    + " 500 ms, but the pool pings at its checks, every 1000 ms (checkInterval)"));
        }
    }

    @Test
    void withoutNotifySocketOrWithAnUnsupportedOneThereIsNoNotifier() {
        assertThat(notifier(Map.of())).isNull();
        assertThat(notifier(Map.of("NOTIFY_SOCKET", ""))).isNull();
        assertThat(notifier(Map.of("NOTIFY_SOCKET", "vsock:2:1234"))).isNull();
    }

    @Test
    void anUnreachableNotifySocketNeverThrowsIntoThePoolAndWarnsOnce() throws Exception {
        try (CapturingAppender log = new CapturingAppender("%level %msg");
             SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", dir.resolve("nobody-here").toString(),
                     "WATCHDOG_USEC", "10000000"))) {
            assertThatCode(() -> {
                notifier.poolReady(2);
                notifier.tick();
                notifier.reloadStarted("SIGHUP");
                notifier.reloadFinished("completed");
                notifier.poolStopping("SIGTERM");
            }).doesNotThrowAnyException();

            assertThat(log.list.stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(e -> e.getFormattedMessage()).toList())
                    .singleElement().asString()
                    .contains("systemd: cannot notify " + dir.resolve("nobody-here") + " (READY=1:")
                    .contains("No such file or directory");
        }
    }

    @Test
    void closingTwiceAndSendingAfterCloseAreHarmless() throws Exception {
        try (FakeNotifySocket systemd = FakeNotifySocket.atPath(dir.resolve("notify"))) {
            SystemdNotifier notifier = notifier(Map.of("NOTIFY_SOCKET", systemd.address()));
            notifier.close();
            notifier.close();
            notifier.poolStopping("SIGTERM");

            assertThat(receiveAll(systemd)).isEmpty();
        }
    }

    private static SystemdNotifier notifier(Map<String, String> env) {
        return SystemdNotifier.fromEnvironment(env, PID, CHECK, System::nanoTime);
    }

    /** Every message sent so far: the sends happened on this thread, so they are all queued by now. */
    private static List<String> receiveAll(FakeNotifySocket systemd) throws Exception {
        List<String> messages = new ArrayList<>();
        for (String message = systemd.receive(); message != null; message = systemd.receive()) {
            messages.add(message);
        }
        return messages;
    }
}
