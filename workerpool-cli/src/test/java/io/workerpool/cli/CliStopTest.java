package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.RECORDING_WORKER;
import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.cli.CliProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code workerpool stop} judges the master's end by the kernel's view, not by its pid being taken. */
class CliStopTest {
    @TempDir
    Path dir;

    @Test
    void stopReturnsOnceTheMasterHasEndedEvenIfItsParentHasNotReapedIt() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("pool.pid");
        String pidfile = pidFile.toString();
        try (CliProcess pool = CliProcess.startUnreaped(dir, "master", events, pidFile, "run", "--workers", "1",
                "--stop-timeout", "5s", "--pidfile", pidfile, "--classpath", TEST_CLASSES, RECORDING_WORKER,
                events.toString())) {
            pool.awaitEvents("worker-main 0 \\d+ .*", 1);
            long master = Long.parseLong(Files.readString(pidFile).strip());
            // Without the fix it waits for the pid (5s + 15s margin) and says the master is still running.
            Result stop = CliProcess.run(dir, Duration.ofSeconds(60), "stop", "--timeout", "5s", "--pidfile", pidfile);
            assertThat(stop.exit()).as("%s", stop).isZero();
            assertThat(stop.out()).isEqualTo("stopping (master pid " + master + ")\nstopped\n");
            assertThat(MasterProcess.state(master)).as("the master is a zombie: its parent has not reaped it")
                    .isEqualTo('Z');
            assertThat(ProcessHandle.of(master).map(ProcessHandle::isAlive)).contains(true);
        }
    }

    @Test
    void aProcessThatRunsHasNotEnded() {
        assertThat(MasterProcess.ended(ProcessHandle.current())).isFalse();
        assertThat(MasterProcess.state(ProcessHandle.current().pid())).isIn('R', 'S');
    }
}
