package io.workerpool.internal.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PosixProcessTest {

    @Test
    void isSupportedOnThisLinuxMachine() {
        assertThat(Posix.isSupported()).isTrue();
    }

    @Test
    void aMissingCFunctionIsUnsupportedNotACrash() {
        NativeFunction missing = NativeFunction.withErrno("workerpool_no_such_function",
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        assertThatThrownBy(missing::call)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("workerpool needs Linux for workerpool_no_such_function(): the C library of this JVM "
                        + "has no such function");
    }

    @Test
    void getpidIsThisProcess() {
        assertThat((long) Posix.getpid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void getppidIsTheParentProcess() {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertThat((long) Posix.getppid()).isEqualTo(parent);
    }

    @Test
    void killDeliversTheSignal() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Posix.kill(sleeper.pid(), Posix.SIGTERM);
            assertThat(sleeper.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sleeper.exitValue()).isEqualTo(128 + Posix.SIGTERM);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void killOfAMissingProcessNamesTheErrno() throws Exception {
        // pids are below pid_max, so pid_max itself never names a process. Not Files.readString: it reads one
        // byte first, and a sysctl file read from a non-zero offset says EOF, so it returns "3" for "32768".
        long noSuchPid = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).getFirst().strip());
        assertThatThrownBy(() -> Posix.kill(noSuchPid, 0))
                .isInstanceOf(PosixException.class)
                .hasMessage("kill failed: ESRCH (No such process)")
                .satisfies(e -> assertThat(((PosixException) e).errnoName()).isEqualTo("ESRCH"));
    }

    @Test
    void killRefusesOurOwnGroupAndEveryProcess() {
        assertThatThrownBy(() -> Posix.kill(0, Posix.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.kill(-1, Posix.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.kill(1L << 40, Posix.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.kill(Posix.getpid(), 65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void descriptorCallsOnABadDescriptorNameTheErrno() {
        assertThatThrownBy(() -> Posix.close(-1)).hasMessage("close failed: EBADF (Bad file descriptor)");
        assertThatThrownBy(() -> Posix.dup2(-1, 1000)).hasMessage("dup2 failed: EBADF (Bad file descriptor)");
    }

    @Test
    void dupAndDup2MakeDescriptorsForTheSameSocket() throws Exception {
        int listening = Posix.openListeningSocket(new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        int copy = Posix.dup(listening);
        int target = Posix.dup(listening);
        try {
            Posix.dup2(copy, target);
            assertThat(Posix.localAddress(target)).isEqualTo(Posix.localAddress(listening));
            assertThat(Posix.isCloseOnExec(target)).as("dup2 clears close-on-exec").isFalse();
        } finally {
            Posix.close(target);
            Posix.close(copy);
            Posix.close(listening);
        }
    }

    @Test
    void childSubreaperCanBeSetAndCleared() throws Exception {
        try {
            Posix.setChildSubreaper(true);
            assertThat(Posix.isChildSubreaper()).isTrue();
        } finally {
            Posix.setChildSubreaper(false);
        }
        assertThat(Posix.isChildSubreaper()).isFalse();
    }

    @Test
    void aSubreaperPeeksAtExitedOrphansAndReapsThemWithTheirStatus() throws Exception {
        try (ChildJvm child = ChildJvm.start("reap-orphans")) {
            assertThat(child.awaitLine("PEEK-NONE ")).isEqualTo("PEEK-NONE 0");
            assertThat(child.awaitLine("REAPED ")).isEqualTo("REAPED true 6");
            assertThat(child.awaitLine("AGAIN ")).isEqualTo("AGAIN ECHILD");
            assertThat(child.awaitLine("REAPED ")).isEqualTo("REAPED true " + (128 + 9)); // as the JDK reports it
            assertThat(child.awaitLine("AGAIN ")).isEqualTo("AGAIN ECHILD");
            assertThat(child.awaitExit()).isZero();
        }
    }

    @Test
    void setsidStartsASessionOnceThenSaysEperm() throws Exception {
        try (ChildJvm child = ChildJvm.start("setsid")) {
            assertThat(child.awaitLine("SESSION ")).isEqualTo("SESSION " + child.pid());
            assertThat(child.awaitLine("SECOND ")).isEqualTo("SECOND setsid failed: EPERM (Operation not permitted)");
            assertThat(child.awaitExit()).isZero();
        }
    }

    @Test
    void parentDeathSignalKillsTheChildWhenItsParentIsKilled() throws Exception {
        long orphanPid = -1;
        try (ChildJvm parent = ChildJvm.start("orphan-parent")) {
            String line = parent.awaitLine("ORPHAN ");
            assertThat(line).endsWith(" ARMED");
            orphanPid = Long.parseLong(line.split(" ")[1]);
            assertThat(ChildJvm.hasExited(orphanPid)).isFalse();

            parent.process().destroyForcibly(); // SIGKILL: the parent gets no chance to clean up
            long pid = orphanPid;
            await().atMost(Duration.ofSeconds(10)).until(() -> ChildJvm.hasExited(pid));
        } finally {
            if (orphanPid > 0) {
                ProcessHandle.of(orphanPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** The trap in PR_SET_PDEATHSIG: "parent" means the thread that started us. A master must not start workers
     * from short-lived threads. */
    @Test
    void parentDeathSignalFiresWhenTheThreadThatStartedTheChildEnds() throws Exception {
        long orphanPid = -1;
        try (ChildJvm parent = ChildJvm.start("orphan-parent-thread")) {
            String line = parent.awaitLine("ORPHAN ");
            assertThat(line).endsWith(" ARMED");
            orphanPid = Long.parseLong(line.split(" ")[1]);
            parent.awaitLine("SPAWNER ENDED");

            long pid = orphanPid;
            await().atMost(Duration.ofSeconds(10)).until(() -> ChildJvm.hasExited(pid));
            assertThat(parent.process().isAlive()).as("the parent JVM itself lives on").isTrue();
        } finally {
            if (orphanPid > 0) {
                ProcessHandle.of(orphanPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void parentDeathSignalRejectsANonSignal() {
        assertThatThrownBy(() -> Posix.setParentDeathSignal(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("signal must be 0..64, got -1");
    }
}
