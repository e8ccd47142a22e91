package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.WorkerEnvironment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program started with the worker marker in its environment (copied from a worker by mistake) but no master:
 * it says so in one line and exits with the boot-error status, instead of hanging or running as a master.
 */
class WorkerMarkerWithoutMasterTest {
    /** Generous: the JVM alone may take seconds on the loaded test machine; a hang is what this catches. */
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theMarkerAloneIsAOneLineErrorNotAHang() throws Exception {
        try (PoolProcess program = PoolProcess.in(dir).env(WorkerEnvironment.CHANNEL_SOCKET, "/tmp/copied.sock")
                .start()) {
            assertThat(program.waitFor(EXIT_WITHIN)).as(program.log()).isEqualTo(ExitCodes.BOOT_ERROR);
            assertThat(program.log().strip()).isEqualTo("workerpool: this JVM has WORKERPOOL_CHANNEL_SOCKET in its"
                    + " environment, which marks a worker JVM started by a workerpool master, but WORKERPOOL_WORKER_ID"
                    + " is not set: no master started it. Unset WORKERPOOL_CHANNEL_SOCKET (and the other WORKERPOOL_"
                    + " variables) to run the program as a master.");
            assertNothingRan(program);
        }
    }

    @Test
    void aWorkerEnvironmentWithABogusSocketSaysNoMasterAnswers() throws Exception {
        Path bogus = dir.resolve("no-master-here.sock");
        try (PoolProcess program = workerEnvironment(bogus).start()) {
            assertThat(program.waitFor(EXIT_WITHIN)).as(program.log()).isEqualTo(ExitCodes.BOOT_ERROR);
            assertThat(program.log().strip()).startsWith("workerpool: worker 0 (pid " + program.pid() + ") cannot"
                    + " reach its master through " + bogus + " (").endsWith("This JVM has the worker marker"
                    + " WORKERPOOL_CHANNEL_SOCKET in its environment but no master answers: unset it to run the"
                    + " program as a master.");
            assertNothingRan(program);
        }
    }

    @Test
    void aSocketThatNeverAnswersTheHelloDoesNotHangTheWorker() throws Exception {
        Path silent = dir.resolve("silent.sock");
        // Bound and listening but never accepting: the kernel completes the worker's connect, no one answers.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(silent));
             PoolProcess program = workerEnvironment(silent).start()) {
            assertThat(program.waitFor(EXIT_WITHIN)).as(program.log()).isEqualTo(ExitCodes.BOOT_ERROR);
            assertThat(program.log()).contains("cannot reach its master through " + silent
                    + " (nothing answered the hello within 10 s: no workerpool master listens there)");
            assertNothingRan(program);
        }
    }

    /** Every variable a master sets, as if copied from a worker's environment, with the socket at {@code path}. */
    private PoolProcess.Builder workerEnvironment(Path socket) {
        return PoolProcess.in(dir).env(WorkerEnvironment.CHANNEL_SOCKET, socket.toString())
                .env(WorkerEnvironment.WORKER_ID, "0").env(WorkerEnvironment.SECRET, "copied")
                .env(WorkerEnvironment.WORKER_TIMEOUT_MS, "1000")
                .env(WorkerEnvironment.MASTER_PID, Long.toString(ProcessHandle.current().pid()));
    }

    private static void assertNothingRan(PoolProcess program) {
        String log = program.log();
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception in thread").doesNotContain("pool starting");
        assertThat(program.events()).as("no master or worker callback ran").isEmpty();
        assertThat(program.master().descendants().count()).as("no JVM started").isZero();
    }
}
